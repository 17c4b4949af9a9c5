"""Project settings (Kedro defaults, with the configuration environments this project uses).

Environments: ``base`` (always), ``local`` (default run env, git-ignored) and ``demo``
(small settings of the README's demo run: ``kedro run --env demo``).
"""

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # Environments override single parameters (demo: `ingestion.image_size`) instead of whole blocks.
    "merge_strategy": {"parameters": "soft", "tracking": "soft"},
    # Experiment tracking settings (MLflow): read by the RunReporting hook, not by any node.
    "config_patterns": {"tracking": ["tracking*", "tracking*/**"]},
}

from gans_fingerprints.hooks import (  # noqa: E402
    ConciseUserErrors,
    IngestionConsistency,
    ProjectLock,
    RunProgress,
    RunReporting,
)

# Order matters among hooks of one priority (pluggy calls the later-registered first): RunReporting's
# before_pipeline_run (trylast) runs after ProjectLock's (trylast) has taken the lock; RunProgress stops its bar
# (tryfirst) before RunReporting (tryfirst) prints the results table.
HOOKS = (ConciseUserErrors(), RunReporting(), ProjectLock(), IngestionConsistency(), RunProgress())
