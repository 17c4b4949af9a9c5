import numpy as np

from gans_fingerprints.simulation.cohorts import subset_cohort
from gans_fingerprints.simulation.ct_phantom import CohortSpec, render_slice, window


def test_slice_is_uint8_of_the_asked_size_with_body_lungs_and_air():
    image = render_slice(CohortSpec(), 64, np.random.default_rng(0))
    assert image.dtype == np.uint8 and image.shape == (64, 64)
    air = window(np.array([-1000.0]), -600, 1500)[0]
    corner = image[:4, :4].astype(float)
    assert abs(corner.mean() - air) < 15, "the corners are air"
    centre = image[16:48, 8:56]
    assert centre.max() > 200, "soft tissue and bone are bright in a lung window"
    lung = window(np.array([-860.0]), -600, 1500)[0]
    assert (np.abs(centre.astype(int) - lung) < 25).mean() > 0.15, "lung parenchyma fills part of the chest"


def test_same_seed_same_bytes_other_seed_other_patient():
    a = render_slice(CohortSpec(), 32, np.random.default_rng(7))
    b = render_slice(CohortSpec(), 32, np.random.default_rng(7))
    c = render_slice(CohortSpec(), 32, np.random.default_rng(8))
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def test_window_maps_level_to_mid_gray():
    assert window(np.array([-600.0, -1350.0, 150.0]), -600, 1500).tolist() == [128, 0, 255]


def test_noisier_cohort_gives_noisier_images():
    quiet = subset_cohort(0, 1.0)  # direction -1 on noise
    noisy = subset_cohort(3, 1.0)  # direction +1 on noise
    def air_noise(cohort):
        images = [render_slice(cohort, 64, np.random.default_rng(s)) for s in range(3)]
        return np.mean([img[:6, :6].astype(float).std() for img in images])
    assert air_noise(noisy) > air_noise(quiet)
