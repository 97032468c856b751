"""What the learner may change on the live page, with the allowed values.

Every change arrives as JSON from the page (or any client).  ``validate``
checks all of it before anything is applied, so a bad value leaves the
running training exactly as it was, and its error names the setting and
what was expected.
"""
import math

DATASETS = ("ring", "grid", "line", "sine", "spiral", "drawn")
G_OBJECTIVES = ("non_saturating", "minimax", "least_squares")
OPTIMIZERS = ("adam", "sgd")
NOISES = ("normal", "uniform")
MAX_DRAWN_POINTS = 2000

DEFAULTS = {
    "data": "ring", "seed": 0,
    "g_objective": "non_saturating", "optimizer": "adam",
    "lr_d": 0.003, "lr_g": 0.003, "k": 1, "batch_size": 200,
    "g_layers": 2, "g_width": 16, "d_layers": 2, "d_width": 16,
    "noise_dim": 2, "noise": "normal", "iters_per_frame": 5,
}

# name: (kind, low, high) for numbers; the choices for words
RANGES = {
    "seed": ("int", 0, 2**31 - 1),
    "lr_d": ("float", 1e-6, 1.0), "lr_g": ("float", 1e-6, 1.0),
    "k": ("int", 1, 20), "batch_size": ("int", 1, 1024),
    "g_layers": ("int", 0, 5), "g_width": ("int", 1, 64),
    "d_layers": ("int", 0, 5), "d_width": ("int", 1, 64),
    "noise_dim": ("int", 1, 8), "iters_per_frame": ("int", 1, 200),
}
CHOICES = {"data": DATASETS, "g_objective": G_OBJECTIVES, "optimizer": OPTIMIZERS,
           "noise": NOISES}

#: Changing one of these builds new networks (the training starts again).
REBUILDS = ("data", "seed", "g_layers", "g_width", "d_layers", "d_width", "noise_dim",
            "noise", "points")


class SettingError(ValueError):
    """A setting the live page cannot take; the message says which and why."""


def validate(changes):
    """The checked, typed version of ``changes`` (a dict from JSON); raises
    ``SettingError`` naming the first bad entry.  ``points`` is the drawn data
    set: a list of [x, y] pairs of finite numbers, at most MAX_DRAWN_POINTS."""
    if not isinstance(changes, dict):
        raise SettingError(f"settings must be a JSON object, got {type(changes).__name__}")
    out = {}
    for name, value in changes.items():
        if name == "points":
            out[name] = _points(value)
        elif name in CHOICES:
            if value not in CHOICES[name]:
                raise SettingError(f"{name} must be one of {', '.join(CHOICES[name])}; "
                                   f"got {value!r}")
            out[name] = value
        elif name in RANGES:
            out[name] = _number(name, value, *RANGES[name])
        else:
            known = sorted(list(RANGES) + list(CHOICES) + ["points"])
            raise SettingError(f"unknown setting {name!r}; the settings are {', '.join(known)}")
    return out


def _number(name, value, kind, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingError(f"{name} must be a number from {low:g} to {high:g}; got {value!r}")
    if kind == "int" and value != int(value):
        raise SettingError(f"{name} must be a whole number from {low} to {high}; got {value!r}")
    if not (math.isfinite(value) and low <= value <= high):
        raise SettingError(f"{name} must be from {low:g} to {high:g}; got {value!r}")
    return int(value) if kind == "int" else float(value)


def _points(value):
    if not isinstance(value, list):
        raise SettingError("points must be a list of [x, y] pairs")
    if len(value) > MAX_DRAWN_POINTS:
        raise SettingError(f"points: at most {MAX_DRAWN_POINTS} drawn points; got {len(value)}")
    pairs = []
    for p in value:
        if (not isinstance(p, list) or len(p) != 2
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
                       or abs(v) > 1e3 for v in p)):
            raise SettingError(f"points: each point must be [x, y], two finite numbers "
                               f"within +-1000; got {str(p)[:40]}")
        pairs.append((float(p[0]), float(p[1])))
    return pairs
