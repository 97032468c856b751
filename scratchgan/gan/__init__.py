"""Algorithm 1 and everything around it: the trainer, the losses of the two
players, the GAN hacks, the remedies for mode collapse and the diagnostics.

* ``steps``        ``GANSteps``: Algorithm 1's D step and G step (k D steps, one G step)
* ``trainer``      ``GANTrainer``: GANSteps plus the run loop (logging, NaN rollback, progress)
* ``sampling``     ``generate``, ``discriminate``: samples and verdicts on the host
* ``losses``       ``NonSaturatingLoss``, ``MinimaxLoss``, ``DiscriminatorTargets``
* ``remedies``     ``Pack`` (PacGAN), ``MinibatchStdDev``, ``FeatureMatching``
* ``noise``        the noise priors: ``normal_noise``, ``uniform_noise``
* ``diagnostics``  ``History``, the console line, warnings, ``TrainingDiverged``
"""
from .diagnostics import (COLUMNS, ConvergenceFailureWarning, FailureMonitor, GANWarning,
                          History, ModeCollapseWarning, TrainingDiverged, format_line)
from .losses import (DiscriminatorTargets, MinimaxLoss, NonSaturatingLoss,
                     generator_loss)
from .noise import noise_prior, normal_noise, uniform_noise
from .remedies import FeatureMatching, MinibatchStdDev, Pack
from .steps import GANSteps, grad_norm, judges_samples_alone, shift_onehot
from .trainer import GANTrainer

__all__ = ["GANSteps", "GANTrainer", "grad_norm", "judges_samples_alone", "shift_onehot",
           "NonSaturatingLoss", "MinimaxLoss", "DiscriminatorTargets", "generator_loss",
           "Pack", "MinibatchStdDev", "FeatureMatching",
           "normal_noise", "uniform_noise", "noise_prior",
           "History", "COLUMNS", "format_line", "FailureMonitor", "TrainingDiverged",
           "GANWarning", "ConvergenceFailureWarning", "ModeCollapseWarning"]
