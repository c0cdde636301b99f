"""minigan.shapes (and the formulas of minigan.conv_arithmetic it re-exports): the output-size
formulas, their errors, explain(), trace() and the `minigan shapes` command."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import cli, shapes
from minigan.shapes import (conv2d_output_size, conv_transpose2d_output_size, course_conv_output_size,
                            explain, format_trace, trace)


# --------------------------------------------------------------------------- the formulas
def test_known_sizes_of_the_dcgan():
    assert conv2d_output_size(28, 4, 2, 1) == 14
    assert conv2d_output_size(14, 4, 2, 1) == 7
    assert conv2d_output_size(7, 7) == 1
    assert conv_transpose2d_output_size(1, 7) == 7
    assert conv_transpose2d_output_size(7, 4, 2, 1) == 14
    assert conv_transpose2d_output_size(14, 4, 2, 1) == 28
    assert conv2d_output_size((28, 30), 4, 2, 1) == (14, 15)
    assert conv2d_output_size(28, (4, 3), (2, 1), (1, 0)) == (14, 26)
    assert conv_transpose2d_output_size((7, 5), 4, 2, 1, output_padding=(1, 0)) == (15, 10)
    assert conv2d_output_size(10, 3, dilation=3) == 4              # the kernel spans 3*2 + 1 = 7 rows
    assert conv_transpose2d_output_size(4, 3, dilation=3) == 10


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 2))
def test_actual_conv_output_shapes_equal_the_formula(h, k, s, p, d, n, c):
    if h + 2 * p < d * (k - 1) + 1:
        with pytest.raises(ValueError, match="< 1"):
            conv2d_output_size(h, k, s, p, d)
        return
    out = F.conv2d(minigan.zeros(n, c, h, h + 2), minigan.zeros(3, c, k, k), stride=s, padding=p, dilation=d)
    assert out.shape == (n, 3) + conv2d_output_size((h, h + 2), k, s, p, d)
    if d == 1:      # the course's form agrees whenever the dilation is 1
        assert conv2d_output_size(h, k, s, p) == course_conv_output_size(h, k, s, p)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3),
       st.data())
def test_actual_transposed_output_shapes_equal_the_formula(h, k, s, p, d, data):
    op = data.draw(st.integers(0, max(s, d) - 1))
    expected = (h - 1) * s - 2 * p + d * (k - 1) + op + 1
    if expected < 1:
        with pytest.raises(ValueError, match="< 1"):
            conv_transpose2d_output_size(h, k, s, p, op, d)
        return
    assert conv_transpose2d_output_size(h, k, s, p, op, d) == expected
    out = F.conv_transpose2d(minigan.zeros(2, 2, h, h + 1), minigan.zeros(2, 1, k, k), stride=s, padding=p,
                             output_padding=op, dilation=d)
    assert out.shape == (2, 1) + conv_transpose2d_output_size((h, h + 1), k, s, p, op, d)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3))
def test_dilation_one_equals_the_course_formula(h, k, s, p):
    if h + 2 * p < k:
        return
    assert conv2d_output_size(h, k, s, p, 1) == (h + 2 * p - k) // s + 1


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_the_right_output_padding_restores_the_input_size(h, k, s, p, d):
    if h + 2 * p < d * (k - 1) + 1:
        return
    ho = conv2d_output_size(h, k, s, p, d)
    op = (h + 2 * p - d * (k - 1) - 1) % s        # the remainder the floor dropped
    assert conv_transpose2d_output_size(ho, k, s, p, op, d) == h


def test_invalid_settings_raise_with_the_arithmetic():
    with pytest.raises(ValueError, match=r"^output size = floor\(\(2 \+ 2\*0 - 1\*\(4-1\) - 1\)/1\) \+ 1 = -1 < 1"):
        conv2d_output_size(2, 4)
    with pytest.raises(ValueError, match=r"output width = floor\(\(1 \+ 2\*1 - 1\*\(4-1\) - 1\)/2\) \+ 1 = 0 < 1"):
        conv2d_output_size((28, 1), 4, 2, 1)
    with pytest.raises(ValueError, match=r"output size = \(1-1\)\*1 - 2\*1 \+ 1\*\(1-1\) \+ 0 \+ 1 = -1 < 1"):
        conv_transpose2d_output_size(1, 1, padding=1)
    with pytest.raises(ValueError, match=r"output_padding = 2 >= max\(stride, dilation\) = max\(2, 1\) = 2"):
        conv_transpose2d_output_size(7, 4, 2, 1, output_padding=2)
    # output_padding >= stride is fine while it is below the dilation (PyTorch's rule)
    assert conv_transpose2d_output_size(4, 3, 1, 0, output_padding=1, dilation=2) == 9
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        conv2d_output_size(28, 4, stride=0)
    with pytest.raises(ValueError, match="kernel_size must be >= 1, got 0"):
        conv2d_output_size(28, 0)
    with pytest.raises(ValueError, match="padding must be >= 0, got -1"):
        conv2d_output_size(28, 3, padding=-1)
    with pytest.raises(ValueError, match="dilation must be >= 1, got 0"):
        conv_transpose2d_output_size(28, 3, dilation=0)
    with pytest.raises(ValueError, match="output_padding must be >= 0, got -1"):
        conv_transpose2d_output_size(28, 3, stride=2, output_padding=-1)
    with pytest.raises(ValueError, match="size must be >= 1, got 0"):
        conv2d_output_size(0, 1)
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair"):
        conv2d_output_size(28, 2.5)


# --------------------------------------------------------------------------- explain
def test_explain_conv_shows_each_step_and_the_dropped_remainder():
    text = explain("conv", 29, 4, stride=2, padding=1)
    assert "floor((H_in + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1" in text
    assert "= floor((29 + 2*1 - 1*(4 - 1) - 1) / 2) + 1" in text
    assert "= floor(27 / 2) + 1" in text
    assert "floor(27/2) = floor(13.5) = 13 (the remainder 1 is dropped: the last row is never covered)" in text
    assert text.splitlines()[6].strip() == "= 14"
    assert "course's simpler form" in text and "floor((29 + 2*1 - 4) / 2) + 1 = floor(27 / 2) + 1 = 14" in text


def test_explain_conv_exact_division_and_dilation():
    text = explain("conv", 28, 4, stride=2, padding=1)
    assert "floor(26/2) = 13 exactly" in text and "dropped:" not in text
    text = explain("conv", 28, 3, stride=3, dilation=2)
    assert "floor(23/3) = floor(7.667) = 7 (the remainder 2 is dropped: the last 2 rows are never covered)" in text
    assert "course's simpler form" not in text and "dilation 1 only" in text


def test_explain_pairs_gives_height_and_width():
    text = explain("conv", (28, 29), 4, 2, 1)
    assert "output height" in text and "output width" in text
    assert "the last column is never covered" in text


def test_explain_transpose_corrects_the_course():
    text = explain("transpose", 7, 4, stride=2, padding=1)
    assert "= (7 - 1)*2 - 2*1 + 1*(4 - 1) + 0 + 1" in text
    assert "= 14" in text
    assert '"Hout = (Hin-1)s - 2p = k = outputpdding"' in text and "'=' where '+' belongs" in text
    assert "H_out = (H_in - 1)*s - 2p + k + output_padding" in text
    assert "maps 14 back to" in text and "= 7 = H_in" in text
    assert "14 and 15" in text


def test_explain_refuses_invalid_settings():
    with pytest.raises(ValueError, match=r"floor\(\(1 \+ 2\*1 - 1\*\(4-1\) - 1\)/2\) \+ 1 = 0 < 1"):
        explain("conv", 1, 4, 2, 1)
    with pytest.raises(ValueError, match="max"):
        explain("transpose", 7, 4, 2, 1, output_padding=3)
    with pytest.raises(ValueError, match="kind must be 'conv' or 'transpose'"):
        explain("deconv", 7, 4)


# --------------------------------------------------------------------------- trace
class _Generator(nn.Module):
    """Like the DCGAN generator: reshapes z before its Sequential."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.ConvTranspose2d(8, 4, 3, 1, 0, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                                 nn.ConvTranspose2d(4, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z):
        return self.net(z.reshape(z.shape[0], -1, 1, 1))


def test_trace_walks_the_layers_and_checks_the_formulas():
    model = _Generator()
    model.train()
    rows = trace(model, (2, 8, 1, 1))
    assert [r["output_shape"] for r in rows] == [(2, 4, 3, 3), (2, 4, 3, 3), (2, 4, 3, 3), (2, 1, 6, 6), (2, 1, 6, 6)]
    assert [r["params"] for r in rows] == [8 * 4 * 9, 8, 0, 4 * 16 + 1, 0]
    assert [r["match"] for r in rows] == [True, None, None, True, None]
    assert rows[0]["predicted"] == (2, 4, 3, 3)
    assert rows[1]["layer"].startswith("BatchNorm2d(4")
    assert all(m.training for m in model.modules())        # the mode is restored
    assert int(model.net[1].num_batches_tracked.item()) == 0      # ran in eval mode: stats untouched
    table = format_trace(rows)
    assert "(2, 1, 6, 6)" in table and "ok (6, 6)" in table
    assert "total: 5 layers, 361 parameters; 2 of 2 convolution output sizes match the formulas" in table


def test_trace_raises_when_a_layer_disagrees_with_the_formula():
    class BrokenConv(nn.Conv2d):
        def forward(self, x):
            return super().forward(x)[:, :, 1:, :]       # a kernel that loses a row

    model = nn.Sequential(BrokenConv(1, 2, 3), nn.ReLU())
    with pytest.raises(RuntimeError, match=r"turned \(1, 1, 8, 8\) into \(1, 2, 5, 6\), but the formula gives "
                                           r"\(1, 2, 6, 6\)"):
        trace(model, (1, 1, 8, 8))
    assert model.training                                   # restored even after the error


# --------------------------------------------------------------------------- command line
def _parser():
    return cli.build_parser()


def test_cli_conv_and_transpose(capsys):
    args = _parser().parse_args(["shapes", "conv", "--size", "28", "--kernel", "4", "--stride", "2", "--padding", "1"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "= floor((28 + 2*1 - 1*(4 - 1) - 1) / 2) + 1" in out and "= 14" in out
    args = _parser().parse_args(["shapes", "transpose", "--size", "7,5", "--kernel", "4", "--stride", "2",
                                 "--padding", "1", "--output-padding", "1"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "output height" in out and "= 15" in out and "output width" in out and "= 11" in out


def test_cli_invalid_settings_raise_valueerror():
    args = _parser().parse_args(["shapes", "conv", "--size", "1", "--kernel", "4", "--stride", "2", "--padding", "1"])
    with pytest.raises(ValueError, match="< 1"):
        args.func(args)
    with pytest.raises(SystemExit):
        _parser().parse_args(["shapes", "conv", "--size", "28x28", "--kernel", "4"])


def test_cli_model_traces_what_build_model_returns(capsys, monkeypatch):
    import minigan.models
    monkeypatch.setattr(minigan.models, "build_model", lambda name: (_Generator(), (1, 8, 1, 1)))
    args = _parser().parse_args(["shapes", "model", "dcgan-g"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(1, 1), bias=False)" in out
    assert "2 of 2 convolution output sizes match" in out
    with pytest.raises(SystemExit):
        _parser().parse_args(["shapes", "model", "resnet"])


def test_trace_on_the_real_models():
    from minigan import models
    for name in ("dcgan-g", "dcgan-d"):
        model, shape = models.build_model(name)
        rows = trace(model, shape)
        convs = [r for r in rows if r["predicted"] is not None]
        assert convs and all(r["match"] for r in convs)
    _, shape = models.build_model("dcgan-g")
    assert trace(models.build_model("dcgan-g")[0], shape)[-1]["output_shape"][1:] == (1, 28, 28)
    assert np.prod(shape) == 100
