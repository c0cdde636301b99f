"""The course's first experiment: the MLP GAN on MNIST for 100 epochs (samples at 5, 50, 100).

    python examples/train_mlp_gan_mnist.py                  # the full experiment
    python examples/train_mlp_gan_mnist.py --epochs 5       # a first look
"""
from _course_run import main

if __name__ == "__main__":
    main("mlp", "MLP GAN")
