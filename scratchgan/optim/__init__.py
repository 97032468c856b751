"""Optimizers with PyTorch's exact update rules, and learning-rate schedules.

* ``optimizer.py``     the base: parameter groups over one flat parameter vector,
                       frozen parameters skipped, state dicts
* ``sgd.py``           SGD with momentum, dampening, Nesterov, weight decay
* ``adam.py``          Adam (and AMSGrad)
* ``rmsprop.py``       RMSprop (WGAN's optimizer)
* ``lr_scheduler.py``  StepLR, ExponentialLR, LambdaLR, LinearLR, CosineAnnealingLR
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from .rmsprop import RMSprop
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "lr_scheduler"]
