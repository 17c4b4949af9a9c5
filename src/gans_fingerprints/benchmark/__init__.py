"""The synthetic benchmark without Kedro: simulate, train or load generators, sample, measure, lay out.

Kept free of Kedro so the generator weights can be trained on any machine that has torch
(``python -m gans_fingerprints.benchmark.weights``); ``pipelines/benchmark`` wires it into the project.
"""
