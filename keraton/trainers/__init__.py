"""The training loop, apart from the model classes: compile state, fit/evaluate/predict, data."""
