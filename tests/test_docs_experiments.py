"""docs/experiments/README.md stays honest as it changes: every image it shows is in the
repository and small, every image in its folder is shown, and the commands it says it was
made with are named and still parse as ``minigan`` options (a renamed or removed option fails
here, not in a reader's terminal)."""
import re
import shlex
from pathlib import Path

import pytest

from minigan.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "experiments"
README = DOCS / "README.md"
IMAGE_LIMIT = 200_000          # bytes per image: the docs are read in a browser and cloned with the code
TOTAL_LIMIT = 1_500_000        # all images together
# the course settings examples/_course_run.py puts before the user's options
COURSE = {"examples/train_mlp_gan_mnist.py": "mlp", "examples/train_dcgan_mnist.py": "dcgan"}


def readme():
    return README.read_text(encoding="utf-8")


def linked_images(text):
    """Paths of the images a Markdown file shows: ![alt](path) and <img src="path">."""
    found = re.findall(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text)
    found += re.findall(r"<img\s[^>]*src=\"([^\"]+)\"", text)
    return found


def command_lines(text):
    """The shell lines of the README's fenced code blocks, environment assignments and
    ``nice``/``nohup`` prefixes removed, as argument lists."""
    lines = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if not line or line.startswith("#"):
                continue
            words = shlex.split(line.split("|")[0].split(">")[0].split("&")[0])
            while words and (re.fullmatch(r"[A-Z_]+=\S*", words[0]) or words[0] in ("nice", "nohup", "time")
                             or re.fullmatch(r"-n|\d+", words[0])):
                words.pop(0)
            if words:
                lines.append(words)
    return lines


def parse(argv):
    try:
        return build_parser().parse_args(argv)
    except SystemExit as e:       # argparse's way to reject an option
        pytest.fail(f"the README's command `minigan {' '.join(argv)}` no longer parses (exit {e.code})")


def test_linked_images_exist_and_are_small():
    images = linked_images(readme())
    assert images, "docs/experiments/README.md shows no image"
    total = 0
    for link in images:
        assert not re.match(r"[a-z]+://", link), f"{link}: the figures must be in the repository, not linked from elsewhere"
        path = (DOCS / link).resolve()
        assert path.is_file(), f"docs/experiments/README.md links {link}, which is not in the repository"
        assert ROOT in path.parents, f"{link} points outside the repository"
        size = path.stat().st_size
        assert size < IMAGE_LIMIT, f"{link} is {size:,} bytes; keep each image under {IMAGE_LIMIT:,}"
        total += size
    assert total < TOTAL_LIMIT, f"the README's images total {total:,} bytes; keep them under {TOTAL_LIMIT:,}"


def test_every_image_in_the_folder_is_shown():
    shown = {(DOCS / link).resolve() for link in linked_images(readme())}
    for path in DOCS.iterdir():
        if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".svg"):
            assert path.resolve() in shown, f"{path.name} is in docs/experiments/ but the README does not show it"


def test_readme_names_the_commands_it_was_made_with_and_they_parse():
    lines = command_lines(readme())
    scripts = {}
    evaluated = 0
    for words in lines:
        if words[0] == "python" and len(words) > 1 and words[1] in COURSE:
            assert (ROOT / words[1]).is_file(), f"{words[1]} is not in the repository"
            model = COURSE[words[1]]
            args = parse(["train", "--model", model, "--out", "runs/x", "--sample-epochs", "5,50,100", *words[2:]])
            assert args.model == model, f"{' '.join(words)} trains {args.model}, not the {model} its script names"
            scripts[words[1]] = args
        elif words[:3] == ["python", "-m", "minigan"] or words[0] == "minigan":
            argv = words[3:] if words[0] == "python" else words[1:]
            args = parse(argv)
            if args.command == "evaluate":
                assert args.checkpoint, f"`{' '.join(words)}` evaluates no checkpoint"
                evaluated += 1
        elif words[0] == "python" and len(words) > 1 and words[1].endswith(".py"):
            assert (ROOT / words[1]).is_file(), f"the README runs {words[1]}, which is not in the repository"
    assert set(scripts) == set(COURSE), f"the README names the training commands of {sorted(scripts)} only"
    assert evaluated >= len(COURSE), "the README names fewer `minigan evaluate` commands than models"


def test_command_lines_reads_prefixes_off():
    # the parser of the test itself: an environment, nice and a log redirection are not arguments
    text = "```bash\nOPENBLAS_NUM_THREADS=1 nice -n 5 python examples/train_dcgan_mnist.py --epochs 3 > log 2>&1 &\n```\n"
    assert command_lines(text) == [["python", "examples/train_dcgan_mnist.py", "--epochs", "3"]]
    assert linked_images('![a](x.png) <img src="y.png" width="200">') == ["x.png", "y.png"]
