"""Algorithm 1 and everything around it: the trainer, the losses of the two
players, the GAN hacks, the remedies for mode collapse and the diagnostics.

* ``steps``        ``GANSteps``: Algorithm 1's D step and G step (k D steps, one G step)
* ``trainer``      ``GANTrainer``: GANSteps plus the run loop (logging, NaN rollback, progress)
* ``sampling``     ``generate``, ``discriminate``: samples and verdicts on the host
* ``losses``       the players' losses: ``NonSaturatingLoss``, ``MinimaxLoss``
* ``hacks``        ``DiscriminatorTargets`` (label smoothing, soft and flipped labels), ``InstanceNoise``
* ``conditioning`` conditional GANs: ``shift_onehot`` (mismatched labels)
* ``acgan``        ``ACGANSteps``, ``LabelTimesNoise``: ACGAN's iteration as one piece
* ``remedies``     ``Pack`` (PacGAN), ``MinibatchStdDev``, ``FeatureMatching``
* ``image_pool``   ``ImagePool``: a history of G's images for D (CycleGAN)
* ``loss_window``  ``LossWindow``: a written-out loop's running means and NaN check
* ``noise``        the noise priors: ``normal_noise``, ``uniform_noise``
* ``diagnostics``  ``History``, the console line, warnings, ``TrainingDiverged``
"""
from .conditioning import shift_onehot
from .diagnostics import (COLUMNS, ConvergenceFailureWarning, FailureMonitor, GANWarning,
                          History, ModeCollapseWarning, OscillationWarning, TrainingDiverged,
                          format_line, grad_norm, oscillation_period)
from .hacks import DiscriminatorTargets, InstanceNoise
from .image_pool import ImagePool
from .loss_window import LossWindow
from .objectives import MinimaxLoss, NonSaturatingLoss, generator_loss
from .noise import noise_prior, normal_noise, uniform_noise
from .remedies import FeatureMatching, MinibatchStdDev, Pack
from .steps import GANSteps
from .trainer import GANTrainer

__all__ = ["GANSteps", "GANTrainer", "grad_norm", "shift_onehot",
           "NonSaturatingLoss", "MinimaxLoss", "generator_loss",
           "DiscriminatorTargets", "InstanceNoise", "ImagePool", "LossWindow",
           "Pack", "MinibatchStdDev", "FeatureMatching",
           "normal_noise", "uniform_noise", "noise_prior",
           "History", "COLUMNS", "format_line", "FailureMonitor", "TrainingDiverged",
           "GANWarning", "ConvergenceFailureWarning", "ModeCollapseWarning",
           "OscillationWarning", "oscillation_period"]
