"""An image pool: D also sees G's older images, not only its latest ones.

Shrivastava et al. (2017) and CycleGAN (Zhu et al. 2017) train D on a history
of generated images, so that D does not forget what G produced a while ago
and G cannot win by oscillating between modes D has just unlearned.  With a
pool of ``size`` images (CycleGAN: 50):

* while the pool is filling, each new image is stored and handed on as it is;
* once full, each new image is, with probability 1/2, handed on as it is, or
  else swapped: a random stored image is handed on and the new one takes its
  place.

The batch is handled at once, with no loop over images and no host sync (no
``nonzero``: selections are ``where`` masks): the images that still fit are
stored, then each of the rest draws its coin and its slot together.  Two
images of one batch drawing the same slot both hand on the old image there,
and the slot keeps the last swapped one (one-at-a-time code would hand the
second one the first's image); the pool is a heuristic, and the difference is
immaterial.

``query(images)`` returns the batch for D, a new array (the input is never
modified); the pool stores copies on the images' device.
"""
from .. import backend


class ImagePool:
    """``pool.query(fake)`` -> the images D judges as fake this step."""

    def __init__(self, size=50):
        if int(size) < 0:
            raise ValueError(f"ImagePool: size must be >= 0, got {size}")
        self.size = int(size)
        self.images = None              # (size, ...) once the first batch arrives
        self.count = 0                  # how many slots are filled

    def query(self, images):
        if self.size == 0:
            return images
        xp = backend.get_array_module(images)
        if self.images is None:
            # one spare row beyond the pool: the sink of the writes that do not swap
            self.images = xp.empty((self.size + 1,) + tuple(images.shape[1:]), dtype=images.dtype)
        elif tuple(images.shape[1:]) != tuple(self.images.shape[1:]):
            raise ValueError(f"ImagePool: images of shape {tuple(images.shape[1:])}, the pool "
                             f"holds {tuple(self.images.shape[1:])}")
        out = images.copy()
        fit = min(self.size - self.count, len(images))   # the pool is still filling
        if fit:
            self.images[self.count:self.count + fit] = images[:fit]
            self.count += fit
        rest = len(images) - fit
        if rest:
            swap = backend.rand(rest) < 0.5                                  # the coins
            slot = (backend.rand(rest) * self.size).astype(xp.int64)         # the slots
            slot = xp.minimum(slot, self.size - 1)
            new = images[fit:]
            old = self.images[slot]                                          # a copy
            mask = swap.reshape((rest,) + (1,) * (images.ndim - 1))
            out[fit:] = xp.where(mask, old, new)          # a swap hands on the stored image
            # ... and stores the new one; images that keep their own are written to
            # the spare row at index ``size``, which is never handed on
            self.images[xp.where(swap, slot, self.size)] = new
        return out

    def state_dict(self):
        """The stored images (the filled slots) and their count, for checkpoints."""
        xp = backend.get_xp()
        images = self.images[:self.count] if self.images is not None else xp.zeros((0,))
        return {"images": images, "count": self.count}

    def load_state_dict(self, state):
        images, count = state["images"], int(state["count"])
        if count > self.size or len(images) != count:
            raise ValueError(f"ImagePool.load_state_dict: {len(images)} images for a count of "
                             f"{count} in a pool of {self.size}")
        self.count = count
        if count:
            self.images = backend.get_xp().empty((self.size + 1,) + tuple(images.shape[1:]),
                                                 dtype=images.dtype)
            self.images[:count] = backend.to_device(images)
        else:
            self.images = None
