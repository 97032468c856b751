"""scratchgan: generative adversarial networks from scratch on NumPy and CuPy.

Every layer's backward pass is derived and written by hand; nothing here uses
automatic differentiation.  Start with ``scratchgan.nn`` (the layers),
``scratchgan.losses``, ``scratchgan.optim`` and ``scratchgan.gradcheck``
(the function; its module, with ``numeric_grad`` and ``rel_error``, is
``scratchgan.gradient_check``);
then ``scratchgan.gan`` (Algorithm 1), ``scratchgan.models`` (the reference
G and D) and ``scratchgan.data``.  ``scratchgan.viz`` (matplotlib) is
imported on demand.
"""
from . import backend
from .backend import (set_backend, get_xp, manual_seed, set_default_dtype,
                      get_default_dtype, to_host, to_device, gpu_available)
from . import nn, losses, optim, models, data, gan
from .nn import no_grad, retain_graph
from .gradient_check import gradcheck, gradcheck_loss, numeric_grad, rel_error

__version__ = "0.1.0"
