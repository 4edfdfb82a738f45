"""Where a written file goes, and what it may never go over (a hostile pass, 2026-12-07): a
relative path with a folder in it, a symbolic link, the run store's saved models, every copy of
the MNIST files read, the network file read, and forged checkpoints. Each case that failed
before is kept here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch

from engine.atomic import atomic_write_bytes
from engine.safe_io import UnwritablePath, check_output_path
from engine.torch_engine.checkpoint import CheckpointError, content_hash, load_checkpoint
from engine.torch_engine.runstore import RunStore
from engine.torch_engine.training import TrainConfig

from .mnist_fixtures import write_mnist
from .test_hostile_torch import QUICK, _checkpoint, cli, refused

XOR = Path(__file__).parents[2] / "assets" / "presets" / "xor_2_2_1.json"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("good") / "mnist", n_train=120, n_test=40)


def test_a_relative_path_with_a_folder_is_written_where_it_says(tmp_path, monkeypatch, capsys):
    """The unnamed file was linked as "sub/sub/.x.part" (relative to sub): every write to
    "sub/x" failed, and "../x" left a finished .part two folders up."""
    work = tmp_path / "a" / "work"
    (work / "sub").mkdir(parents=True)
    monkeypatch.chdir(work)
    atomic_write_bytes("sub/x.bin", b"123")
    assert (work / "sub" / "x.bin").read_bytes() == b"123"
    rc, out, err = cli(capsys, "export-code", XOR, "--numpy", "-o", "sub/net.py")
    assert rc == 0 and (work / "sub" / "net.py").stat().st_size > 1000, err
    rc, out, err = cli(capsys, "export-code", XOR, "--numpy", "-o", "../net.py")
    assert rc == 0 and (tmp_path / "a" / "net.py").is_file(), err
    rc, out, err = cli(capsys, "trace", XOR, "--latex", "./sub/h.tex")
    assert rc == 0 and (work / "sub" / "h.tex").is_file(), err
    assert tree(tmp_path) == sorted(
        ["a", "a/net.py", "a/work", "a/work/sub", "a/work/sub/x.bin", "a/work/sub/net.py",
         "a/work/sub/h.tex"]
    )  # fmt: skip


def test_a_symbolic_link_is_written_through_not_replaced(tmp_path, capsys):
    target, link = tmp_path / "target.py", tmp_path / "link.py"
    target.write_text("old")
    link.symlink_to(target.name)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    rc, _, err = cli(capsys, "export-code", XOR, "--numpy", "-o", link)
    assert rc == 0 and link.is_symlink() and "import numpy" in target.read_text(), err
    dangling = tmp_path / "dangling.py"
    dangling.symlink_to(tmp_path / "no" / "such" / "f.py")
    line = refused(cli(capsys, "export-code", XOR, "--numpy", "-o", dangling), "links to")
    assert "does not exist" in line and dangling.is_symlink()
    with pytest.raises(UnwritablePath, match="the network file"):  # through a link, still it
        (tmp_path / "net.json").write_text(XOR.read_text())
        (tmp_path / "alias.json").symlink_to("net.json")
        check_output_path(
            tmp_path / "alias.json", "-o", [(tmp_path / "net.json", "the network file")]
        )


def _store_with_saved_model(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    ck = _checkpoint(tmp_path / "kept.pt")
    store.finish(store.create_run("a run", "train", TrainConfig()), "finished", {}, str(ck))
    return db, ck


def test_no_export_or_saved_model_goes_over_a_runs_model(tmp_path, good, capsys, monkeypatch):
    db, ck = _store_with_saved_model(tmp_path)
    before = sha(ck)
    line = refused(cli(capsys, "runs", "--runs-db", db, "export", ck), "the saved model of run 1")
    assert "choose another file" in line
    args = ("train", *QUICK, "--data", good, "--runs-db", db, "--save", ck)
    refused(cli(capsys, *args), "the saved model of run 1")
    monkeypatch.setenv("BACKPROP_STUDIO_RUNS", str(db))  # export-network's store: the user's
    other = _checkpoint(tmp_path / "other.pt")
    for target, what in ((ck, "the saved model of run 1"), (db, "the run store")):
        args = ("export-network", other, "--data", good, "--digit", "0", "-o", target)
        refused(cli(capsys, *args), what)
    assert sha(ck) == before and len(RunStore(db).runs()) == 1


def test_export_network_keeps_off_every_copy_of_the_mnist_it_reads(tmp_path, good, capsys):
    data = tmp_path / "mnist"
    data.mkdir()
    for f in good.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    raw = data / "t10k-labels-idx1-ubyte"  # a raw copy beside the .gz: both are the data
    raw.write_bytes(b"not read, but the user's")
    ck = _checkpoint(tmp_path / "m.pt")
    for target in (raw, data / "t10k-labels-idx1-ubyte.gz", data / "train-images-idx3-ubyte.gz"):
        before = sha(target)
        args = ("export-network", ck, "--data", data, "--digit", "0", "-o", target)
        refused(cli(capsys, *args), "a file of the MNIST it reads")
        assert sha(target) == before


def test_landscape_keeps_off_the_network_file_it_reads(tmp_path, capsys):
    net = tmp_path / "net.svg"  # a network file whose name ends as a plot's does
    net.write_text(XOR.read_text())
    before = sha(net)
    args = ("landscape", net, "--steps", "3", "--grid", "3", "-o", net)
    refused(cli(capsys, *args), "the network file it reads")
    assert sha(net) == before


def _forged(path: Path, config: dict | None = None, metrics: str | None = None) -> Path:
    """A checkpoint edited by hand and signed again: the checksum is anyone's to compute."""
    payload = torch.load(_checkpoint(path), weights_only=True)
    cfg = json.dumps(config) if config is not None else payload["config"]
    met = metrics if metrics is not None else payload["metrics"]
    sign = content_hash(cfg, met, payload["state_dict"])
    torch.save({**payload, "config": cfg, "metrics": met, "sha256": sign}, path)
    return path


@pytest.mark.parametrize("metrics", ["[1, 2]", "5", "null", '"text"'])
def test_a_forged_checkpoints_figures_are_one_sentence(tmp_path, good, capsys, metrics):
    path = _forged(tmp_path / "m.pt", metrics=metrics)
    with pytest.raises(CheckpointError, match="figures that are not a set of named values"):
        load_checkpoint(path)
    refused(cli(capsys, "evaluate", path, "--data", good, "--no-download"), "m.pt has figures")


def test_a_forged_checkpoint_claiming_a_huge_model_is_refused_before_any_memory(tmp_path):
    cfg = json.loads(torch.load(_checkpoint(tmp_path / "m.pt"), weights_only=True)["config"])
    cfg["model"]["hidden"] = [1_000_000, 1_000_000]  # 10^12 weights: 4 TB in float32
    path = _forged(tmp_path / "m.pt", config=cfg)
    with pytest.raises(CheckpointError, match="claims a model of 1,000,[0-9,]+ parameters"):
        load_checkpoint(path)
