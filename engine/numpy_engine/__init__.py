"""The small-network engine: every number of a training step, recorded as a trace."""

from .csv_data import CsvError, load_csv
from .datasets import DATASETS, Dataset, make_dataset
from .gradcheck import GradCheckRow, gradient_check
from .network import Network, StepResult, TrainState, params_as_layers
from .spec import NetworkFileError, NetworkSpec, load_network_file, parse_network, spec_to_dict
from .trace import PHASES, Event, Trace

__all__ = [
    "DATASETS",
    "PHASES",
    "CsvError",
    "Dataset",
    "Event",
    "GradCheckRow",
    "Network",
    "NetworkFileError",
    "NetworkSpec",
    "StepResult",
    "Trace",
    "TrainState",
    "gradient_check",
    "load_csv",
    "load_network_file",
    "make_dataset",
    "params_as_layers",
    "parse_network",
    "spec_to_dict",
]
