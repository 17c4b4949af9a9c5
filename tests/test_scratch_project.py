"""A throw-away copy of the project's configuration, with the shipped generator weights when asked."""

from gans_fingerprints.scratch_project import SHIPPED_WEIGHTS, make_scratch_project


def test_a_scratch_project_takes_the_shipped_weights_only_when_asked_and_never_a_staging_folder(tmp_path):
    source = tmp_path / "source"
    (source / "conf" / "base").mkdir(parents=True)
    (source / "conf" / "local").mkdir()
    (source / "conf" / "local" / "credentials.yml").write_text("secret: 1\n")
    (source / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for folder in ("demo", "demo_generalising.partial"):
        (source / SHIPPED_WEIGHTS / folder).mkdir(parents=True)
        (source / SHIPPED_WEIGHTS / folder / "provenance.json").write_text("{}")
    plain = make_scratch_project(tmp_path / "plain", source)
    assert (plain / "conf" / "base").is_dir() and not (plain / "conf" / "local" / "credentials.yml").exists()
    assert not (plain / SHIPPED_WEIGHTS).exists()
    with_weights = make_scratch_project(tmp_path / "with", source, shipped_weights=True)
    assert (with_weights / SHIPPED_WEIGHTS / "demo" / "provenance.json").is_file()
    assert not (with_weights / SHIPPED_WEIGHTS / "demo_generalising.partial").exists(), "a training in progress is not copied"
