"""The layer library: each layer's forward and hand-derived backward, one concept per file."""
from .forward_caches import BackwardError, is_grad_enabled, no_grad, retain_graph
from .module import Module, Parameter, ShapeError, frozen
from .containers import ModuleDict, ModuleList, Sequential
from .linear import Linear
from .conv import Conv2d
from .conv_transpose import ConvTranspose2d
from .norm import BatchNorm1d, BatchNorm2d
from .instance_norm import InstanceNorm2d
from .padding import (ConstantPad2d, ZeroPad2d, ReflectionPad2d, ReplicationPad2d,
                      CircularPad2d)
from .upsample import Upsample
from .pool import AvgPool2d, MaxPool2d
from .activation import ReLU, LeakyReLU, Sigmoid, Tanh, ELU, SELU, Identity, sigmoid
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .softmax import LogSoftmax, Softmax, log_softmax, softmax
from .multiply import Multiply
from .two_heads import TwoHeads
from .shape import Flatten, Reshape, concat, cat, split
from .branches import ConcatCondition, Residual, SkipConcat
from . import init
from . import kernels

__all__ = ["BackwardError", "Module", "ModuleDict", "ModuleList", "Parameter", "Sequential",
           "ShapeError", "frozen", "is_grad_enabled", "no_grad", "retain_graph", "Linear", "Conv2d",
           "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "InstanceNorm2d", "ConstantPad2d", "ZeroPad2d", "ReflectionPad2d",
           "ReplicationPad2d", "CircularPad2d",
           "Upsample", "AvgPool2d", "MaxPool2d", "ReLU", "LeakyReLU",
           "Sigmoid", "Tanh", "ELU", "SELU", "Identity", "sigmoid", "Dropout", "Dropout2d",
           "Embedding", "Softmax", "LogSoftmax", "softmax", "log_softmax", "Multiply",
           "TwoHeads",
           "Flatten", "Reshape", "ConcatCondition", "Residual", "SkipConcat", "concat", "cat", "split", "init"]
