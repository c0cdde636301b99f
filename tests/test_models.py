"""The course's two GANs: exact printouts, parameter counts, state_dict names, initialisation."""
import numpy as np
import pytest

import minigan
from minigan.models import (DCGAN_Discriminator, DCGAN_Generator, Discriminator, Generator,
                            build_gan, build_model)

MLP_G = """Generator(
  (G): Sequential(
    (0): Linear(in_features=100, out_features=128, bias=True)
    (1): LeakyReLU(negative_slope=0.2, inplace=True)
    (2): Linear(in_features=128, out_features=256, bias=True)
    (3): LeakyReLU(negative_slope=0.2, inplace=True)
    (4): Linear(in_features=256, out_features=784, bias=True)
    (5): Tanh()
  )
)"""

MLP_D = """Discriminator(
  (D): Sequential(
    (0): Linear(in_features=784, out_features=256, bias=True)
    (1): LeakyReLU(negative_slope=0.2, inplace=True)
    (2): Linear(in_features=256, out_features=128, bias=True)
    (3): LeakyReLU(negative_slope=0.2, inplace=True)
    (4): Linear(in_features=128, out_features=1, bias=True)
    (5): Sigmoid()
  )
)"""

DC_G = """DCGAN_Generator(
  (G): Sequential(
    (0): ConvTranspose2d(100, 256, kernel_size=(7, 7), stride=(1, 1), bias=False)
    (1): BatchNorm2d(256, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (2): ReLU(inplace=True)
    (3): ConvTranspose2d(256, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (4): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (5): ReLU(inplace=True)
    (6): ConvTranspose2d(128, 1, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (7): Tanh()
  )
)"""

DC_D = """DCGAN_Discriminator(
  (D): Sequential(
    (0): Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (1): LeakyReLU(negative_slope=0.2, inplace=True)
    (2): Conv2d(64, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (3): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (4): LeakyReLU(negative_slope=0.2, inplace=True)
    (5): Flatten(start_dim=1, end_dim=-1)
    (6): Linear(in_features=6272, out_features=1, bias=True)
    (7): Sigmoid()
  )
)"""


@pytest.mark.parametrize("cls, text", [(Generator, MLP_G), (Discriminator, MLP_D),
                                       (DCGAN_Generator, DC_G), (DCGAN_Discriminator, DC_D)])
def test_printout_matches_the_course(cls, text):
    assert repr(cls()) == text


def _count(model):
    return sum(p.numel() for p in model.parameters())


def test_parameter_counts_equal_the_layer_shapes():
    assert _count(Generator()) == (100 * 128 + 128) + (128 * 256 + 256) + (256 * 784 + 784)
    assert _count(Discriminator()) == (784 * 256 + 256) + (256 * 128 + 128) + (128 * 1 + 1)
    # transposed convs (C_in, C_out, k, k) without bias; batch norms have a scale and a shift
    assert _count(DCGAN_Generator()) == (100 * 256 * 7 * 7 + 2 * 256 + 256 * 128 * 4 * 4 + 2 * 128
                                         + 128 * 1 * 4 * 4)
    assert _count(DCGAN_Discriminator()) == (64 * 1 * 4 * 4 + 128 * 64 * 4 * 4 + 2 * 128 + 6272 + 1)


def test_state_dict_names_follow_the_printout():
    keys = list(DCGAN_Generator().state_dict())
    assert keys[:7] == ["G.0.weight", "G.1.weight", "G.1.bias", "G.1.running_mean", "G.1.running_var",
                        "G.1.num_batches_tracked", "G.3.weight"]
    assert list(Generator().state_dict()) == ["G.0.weight", "G.0.bias", "G.2.weight", "G.2.bias",
                                              "G.4.weight", "G.4.bias"]


def test_output_shapes_and_ranges():
    minigan.manual_seed(0)
    z = minigan.randn(3, 100)
    for G, D, shape in [(Generator(), Discriminator(), (3, 784)),
                        (DCGAN_Generator(), DCGAN_Discriminator(), (3, 1, 28, 28))]:
        x = G(z)
        assert x.shape == shape and x.dtype == minigan.float32
        assert float(abs(x.array).max()) <= 1.0           # Tanh
        p = D(x)
        assert p.shape == (3, 1) and ((p.array > 0) & (p.array < 1)).all()
    # the MLP discriminator flattens image-shaped input itself, as the DCGAN pipeline feeds it
    assert Discriminator()(minigan.randn(2, 1, 28, 28)).shape == (2, 1)


def test_dcgan_initialisation():
    minigan.manual_seed(1)
    G, D = DCGAN_Generator(), DCGAN_Discriminator()
    w = G.G[0].weight.numpy()                       # 1.25 M draws: the std is pinned down tightly
    assert abs(w.mean()) < 1e-3 and abs(w.std() - 0.02) < 5e-4
    bn = G.G[1]
    assert abs(bn.weight.numpy().mean() - 1.0) < 0.01 and 0.01 < bn.weight.numpy().std() < 0.03
    assert (bn.bias.numpy() == 0).all()
    lin = D.D[6].weight.numpy()
    assert abs(lin.std() - 0.02) < 3e-3


def test_mlp_uses_default_linear_initialisation():
    minigan.manual_seed(2)
    w = Generator().G[0].weight.numpy()
    bound = 1 / np.sqrt(100)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_other_sizes_work():
    G = DCGAN_Generator(z_dim=16, channels=3, feature_maps=8, image_size=32)
    D = DCGAN_Discriminator(channels=3, feature_maps=8, image_size=32)
    x = G(minigan.randn(2, 16))
    assert x.shape == (2, 3, 32, 32) and D(x).shape == (2, 1)
    with pytest.raises(ValueError, match="multiple of 4"):
        DCGAN_Generator(image_size=30)


def test_bad_noise_shape_is_explained():
    with pytest.raises(ValueError, match=r"\(B, 100\).*\(2, 50\)"):
        Generator()(minigan.randn(2, 50))
    with pytest.raises(ValueError, match=r"\(B, 100\).*\(2, 50\)"):
        DCGAN_Generator()(minigan.randn(2, 50))


def test_build_helpers():
    G, D = build_gan("dcgan")
    assert isinstance(G, DCGAN_Generator) and isinstance(D, DCGAN_Discriminator)
    model, shape = build_model("dcgan-g")
    assert isinstance(model, DCGAN_Generator) and shape == (1, 100, 1, 1)
    with pytest.raises(ValueError, match="unknown model"):
        build_gan("vae")
    with pytest.raises(ValueError, match="mlp-g"):
        build_model("resnet")
