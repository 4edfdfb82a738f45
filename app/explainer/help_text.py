"""The explainer's words for a newcomer, in one place: the welcome, the guide (Help → Guide, F1),
the optimizers' display names and usual learning rates, and the plain-words names of the
network file's fields (so "layers[1].activation: …" reads "Layer 1's activation: …")."""

from __future__ import annotations

from app.shared.theme import NORMAL
from engine.numpy_engine.fields import NetworkFileError

# name in network files -> name shown (their usual learning rates: optimizers.USUAL_LR)
OPTIMIZER_NAMES = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "nadam": "Nadam",
    "adadelta": "Adadelta",
}

LAYER_FIELDS = {
    "units": "number of neurons",
    "activation": "activation",
    "dropout": "dropout",
    "frozen": "freezing",
    "weights": "weights",
    "bias": "bias",
    "type": "type",
}
FIELDS = {
    "loss": "The loss",
    "optimizer": "The optimizer",
    "optimizer.name": "The optimizer",
    "optimizer.lr": "The learning rate η",
    "optimizer.momentum": "The momentum μ",
    "optimizer.beta1": "β1",
    "optimizer.beta2": "β2",
    "optimizer.rho": "ρ",
    "optimizer.eps": "ε",
    "regularization.l1": "L1 (λ1)",
    "regularization.l2": "L2 (λ2)",
    "training.batch_size": "The batch size",
    "training.shuffle": "Reshuffling",
    "init.scheme": "The initialisation",
    "init.seed": "The seed",
    "layers": "The layers",
    "data": "The data",
}


def field_words(layer: int | None, key: str) -> str:
    """A network-file field in plain words, from its parts (NetworkFileError.layer and .key):
    (1, 'activation') -> "Layer 1's activation"; (None, 'optimizer.lr') -> 'The learning rate'."""
    if layer is not None:
        return f"Layer {layer}'s {LAYER_FIELDS.get(key, key)}" if key else f"Layer {layer}"
    return FIELDS.get(key, key)


def plain_error(text: str, exc: BaseException | None = None) -> str:
    """A refusal in plain words: a NetworkFileError's field named as a person would, from the
    exception's structured field (nothing parsed back from `text`); any other error as `text`."""
    if isinstance(exc, NetworkFileError) and exc.field:
        return f"{field_words(exc.layer, exc.key)}: {exc.message}"
    return text.strip()


WELCOME_HTML = """
<h2>Welcome to Backprop Studio</h2>
<p>This app shows how a neural network learns, one number at a time: the forward pass, the
loss, the backward pass (backpropagation) and the update of every weight. Each number is
written out as a formula with its values on the right.</p>
<p><b>Press Space</b> to see the next number (Left goes back).</p>
<p>The worked examples are under <b>Setup → Data → preset</b>, in the order of the course;
the <b>Network</b> tab changes the layers, the activation or the optimizer.</p>
<p><b>F1</b> opens the guide at any time.</p>
"""

GUIDE_HTML = """
<h2>The explainer in five minutes</h2>
<h3>The four phases of a training step</h3>
<ol>
<li><b>Forward</b> (key 1): each neuron computes z = Σ w·x + b, then its activation a = g(z).</li>
<li><b>Loss</b> (key 2): the output is compared with the target; one number says how wrong.</li>
<li><b>Backward</b> (key 3): the chain rule sends the error back; each neuron gets its δ and
each weight its gradient ∂L/∂w.</li>
<li><b>Update</b> (key 4): the optimizer moves every weight against its gradient.</li>
</ol>
<h3>Moving through the numbers</h3>
<p>Space (or Right, PageDown) shows the next number; <b>Left</b> (or PageUp) steps back, also
into the previous training step: nothing is lost by going back. Home and End go to the start
and the end of the step, N to the next whole step, P plays, T trains continuously.</p>
<h3>What the colours mean</h3>
<ul>
<li><span style="color:{positive}"><b>blue</b></span> edge: a positive weight (in the backward
phase, a positive gradient); <span style="color:{negative}"><b>orange</b></span>: a negative one;
the thicker, the larger.</li>
<li><b>black</b> (white in lecturer mode, F11): the edges and the ring of the neurons in the
number shown now in the formula panel; the neuron it computes is filled
<span style="background:{node_active}">yellow</span>.</li>
<li>In the plots, the map behind the points is what the network answers at each place: its
colours are the classes (or the predicted value), the points are the data.</li>
</ul>
<h3>Big batches</h3>
<p>A full batch of a few hundred samples makes thousands of numbers per step. Choose one
<b>Sample</b> in the step controls: Space then walks that sample's forward pass, its loss and
its δs, then the batch sums and the updates. The <b>Events</b> panel lists the step as
phase → layer → one row per neuron; open a row to see its numbers, click one to go there.</p>
<h3>Teaching with it</h3>
<p><b>F11</b> is lecturer mode: the drawing fills the wall, the formula beside it in large
type, <b>S</b> cycles the plot beside it (loss, data and decision map, none); Esc gives back the
window exactly as it was. File → Export writes the drawing (PNG, SVG), the step as an animated
GIF, and a LaTeX handout of every number of the step; the same handout comes from the command
line: <code>backprop-studio trace NET.json --latex handout.tex</code>.</p>
<h3>Changing things</h3>
<p>Click an edge to type a new weight, a neuron for its bias. Setup → Network edits the layers,
the activation, the loss and the optimizer: press <b>Apply</b> to use the changes. Setup → Data
loads a preset, a built-in dataset or a CSV file. Panels closed by mistake come back from the
<b>View</b> menu.</p>
"""


def guide_html() -> str:
    """The Help page's guide (its keys table stands beside it: guide_dialog.py)."""
    return GUIDE_HTML.format(
        positive=NORMAL.positive, negative=NORMAL.negative, node_active=NORMAL.node_active
    )
