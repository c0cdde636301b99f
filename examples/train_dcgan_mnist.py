"""The course's second experiment: the DCGAN on MNIST for 100 epochs (samples at 5, 50, 100).

    python examples/train_dcgan_mnist.py                    # the full experiment (GPU advised)
    python examples/train_dcgan_mnist.py --backend cupy     # on an NVIDIA GPU
"""
from _course_run import main

if __name__ == "__main__":
    main("dcgan", "DCGAN")
