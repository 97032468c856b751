"""Filling in missing values: the common ways and GAIN.

* ``missing``  the mask, min-max scaling, MCAR masks, RMSE on the missing cells
* ``simple``   mean, median, most frequent value per column
* ``knn``      k-nearest-neighbour imputation
* ``mice``     chained linear regressions (the deterministic core of MICE)
* ``gain``     GAIN (Yoon et al. 2018): a GAN whose D guesses which cells were observed

Every imputer takes a table with NaN in its missing cells and returns a new
one; the input is never modified.
"""
from .missing import MinMax, mask_of, mcar_mask, rmse, round_like, with_missing
from .simple import impute_mean, impute_median, impute_most_frequent
from .knn import impute_knn
from .mice import impute_mice
from .gain import GAIN

__all__ = ["MinMax", "mask_of", "mcar_mask", "rmse", "round_like", "with_missing",
           "impute_mean", "impute_median", "impute_most_frequent", "impute_knn",
           "impute_mice", "GAIN"]
