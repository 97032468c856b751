"""An auto-encoder: a code z = E(x) and a decoder x' = Dec(z), trained to make x' close to x.

    z  = encoder(x)                       (N, d)
    x' = decoder(z)                       (N, C, H, W), a sigmoid output in [0, 1]
    L  = (1/N) sum_n sum_pixels BCE(x'_n, (x_n + 1) / 2)      the pixel ("close") loss
         (or the squared error (x'_n - x_n)^2 for a Tanh decoder, ``loss="mse"``)

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
    """``encoder``: images -> codes (N, d); ``decoder``: codes -> images.

    ``loss="bce"`` (default): the decoder ends in a Sigmoid (images in [0, 1]),
    the pixel loss is the binary cross-entropy against (x + 1) / 2.
    ``loss="mse"``: the decoder ends in a Tanh (images in [-1, 1], a GAN
    generator's range), the pixel loss is the squared error against x.
    """

    def __init__(self, encoder, decoder, loss="bce"):
        if loss not in ("bce", "mse"):
            raise ValueError(f"AutoEncoder: loss must be 'bce' or 'mse', got {loss!r}")
        self.encoder, self.decoder, self.loss = encoder, decoder, loss
        self.criterion = losses.BCELoss() if loss == "bce" else losses.MSELoss()

    def parameters(self):
        return self.encoder.parameters() + self.decoder.parameters()

    def train_step(self, x, optimizer):
        """One gradient step on the pixel loss for images x in [-1, 1]; returns the loss (device scalar)."""
        pixels = x[0].size
        optimizer.zero_grad()
        z = self.encoder(x)
        x_rec = self.decoder(z)
        target = (x + 1) / 2 if self.loss == "bce" else x
        loss = self.criterion(x_rec, target) * pixels          # per image: summed over pixels
        dz = self.decoder.backward(self.criterion.backward(x_rec) * pixels, x_rec)
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
            x = self.decoder(z)
        return 2 * x - 1 if self.loss == "bce" else x
