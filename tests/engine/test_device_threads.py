"""The Device field and the run's own report agree on the thread count (issue 23, defect 14):
the window's runs train in a child that leaves a core to the window."""

import torch

from engine.torch_engine.device import beside_gui_threads, pick_device, threads_beside_gui


def test_the_form_names_the_threads_the_child_will_use():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(beside_gui_threads() + 1)  # the window's own count differs
        said = pick_device("cpu", beside_gui_threads())  # what the Device field shows
        threads_beside_gui()  # what the child does first
        run = pick_device("cpu")  # what the run reports (Start.device_reason, the status bar)
    finally:
        torch.set_num_threads(before)
    assert said.name == run.name and said.reason == run.reason


def test_one_thread_is_singular():
    choice = pick_device("cpu", 1)
    assert choice.name == "CPU (1 thread)" and choice.reason.endswith("with 1 thread")
    assert pick_device("cpu", 3).name == "CPU (3 threads)"
