import numpy as np
import pytest

from gans_fingerprints.simulation.cohorts import subset_cohort


def test_cohort_shift_zero_gives_one_population():
    cohorts = {subset_cohort(k, 0.0) for k in range(5)}
    assert len(cohorts) == 1


def test_cohort_shift_separates_subsets_and_grows_with_shift():
    small = [subset_cohort(k, 0.2).scanner.noise_hu for k in range(5)]
    large = [subset_cohort(k, 1.0).scanner.noise_hu for k in range(5)]
    assert len({round(n, 6) for n in large}) > 1
    assert np.std(large) > np.std(small)
    with pytest.raises(ValueError, match="cohort_shift"):
        subset_cohort(0, -0.1)
