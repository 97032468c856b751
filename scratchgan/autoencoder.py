"""An auto-encoder: a code z = E(x) and a decoder x' = Dec(z), trained to make x' close to x.

    z  = encoder(x)                       (N, d)
    x' = decoder(z)                       (N, C, H, W), a sigmoid output in [0, 1]
    L  = (1/N) sum_n sum_pixels BCE(x'_n, (x_n + 1) / 2)      the pixel ("close") loss

Backward: dx' = dBCE, dz = decoder.backward(dx'), encoder.backward(dz).

The loss is summed over an image's pixels (so its size does not depend on
the learning rate's scale) and averaged over the batch; images come in
[-1, 1], as everywhere in scratchgan, and ``decode`` returns them in
[-1, 1] too.  The same class serves ``demos/autoencoder.py`` (can the
generator learn by itself?) and BAGAN, whose generator starts as an
auto-encoder's decoder and whose discriminator starts from its encoder.
"""
from . import backend, losses
from .nn import no_grad


class AutoEncoder:
    """``encoder``: images -> codes (N, d); ``decoder``: codes -> images in [0, 1] (a Sigmoid last)."""

    def __init__(self, encoder, decoder):
        self.encoder, self.decoder = encoder, decoder
        self.bce = losses.BCELoss()

    def parameters(self):
        return self.encoder.parameters() + self.decoder.parameters()

    def train_step(self, x, optimizer):
        """One gradient step on the pixel loss for images x in [-1, 1]; returns the loss (device scalar)."""
        pixels = x[0].size
        optimizer.zero_grad()
        z = self.encoder(x)
        x_rec = self.decoder(z)
        loss = self.bce(x_rec, (x + 1) / 2) * pixels           # per image: summed over pixels
        dz = self.decoder.backward(self.bce.backward(x_rec) * pixels, x_rec)
        self.encoder.backward(dz, z)
        optimizer.step()
        return loss

    def encode(self, x, batch=1000):
        """Codes of x (no gradients), on the device."""
        xp = backend.get_array_module(x)
        with no_grad():
            return xp.concatenate([self.encoder(x[i:i + batch]) for i in range(0, len(x), batch)])

    def decode(self, z):
        """Images in [-1, 1] for codes z (no gradients), on the device."""
        with no_grad():
            return 2 * self.decoder(z) - 1
