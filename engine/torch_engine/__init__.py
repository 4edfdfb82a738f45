"""The PyTorch engine: real MNIST, real models, training as generators of metric records."""
