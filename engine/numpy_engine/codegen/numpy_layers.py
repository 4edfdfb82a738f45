"""The NumPy script's layer, activation and loss classes: each forward beside its backward, each
backward line commented with the formula it computes in the explainer's notation. Only the classes
a network uses are written into its script. The arithmetic is the engine's, in the same order, so
the script's numbers are the trace's."""

from __future__ import annotations

LINEAR = '''
class Linear:
    """A dense layer: z[l] = a[l−1]·Wᵀ + b, where w[l][j][i] joins input i to unit j."""

    def __init__(self, weights, bias, frozen=()):
        self.W = np.array(weights, dtype=np.float64)  # (units, inputs)
        self.b = np.array(bias, dtype=np.float64)  # (units,)
        self.frozen = frozen  # "weights" and/or "bias": gradients computed, never applied

    def forward(self, a_prev):
        self.a_prev = a_prev  # (n, inputs), kept for the backward pass
        return a_prev @ self.W.T + self.b  # z[l][j] = Σ_i w[l][j][i]·a[l−1][i] + b[l][j]

    def backward(self, delta):
        self.dW = delta.T @ self.a_prev  # ∂L/∂w[l][j][i] = Σ_samples δ[l][j]·a[l−1][i]
        self.db = delta.sum(axis=0)  # ∂L/∂b[l][j] = Σ_samples δ[l][j]
        return delta @ self.W  # ∂L/∂a[l−1][i] = Σ_j w[l][j][i]·δ[l][j]
'''

WINDOWS = '''
def windows(x, kernel, stride, padding=0):
    """Every receptive field of x (n, C, H, W) as a view (n, C, OH, OW, kh, kw)."""
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    v = sliding_window_view(x, kernel, axis=(2, 3))
    return v[:, :, ::stride, ::stride]
'''

CONV = '''
class Conv2d:
    """z[l][f][y][x] = Σ_c Σ_i Σ_j w[l][f][c][i][j]·a[l−1][c][y·s+i−p][x·s+j−p] + b[l][f]
    (cross-correlation, as torch's conv2d; zeros outside the image)."""

    def __init__(self, weights, bias, stride=1, padding=0, frozen=()):
        self.W = np.array(weights, dtype=np.float64)  # (K filters, C channels, kh, kw)
        self.b = np.array(bias, dtype=np.float64)  # (K,)
        self.stride, self.padding, self.frozen = stride, padding, frozen

    def forward(self, a_prev):
        self.a_prev = a_prev  # (n, C, H, W)
        self.win = windows(a_prev, self.W.shape[2:], self.stride, self.padding)
        z = np.einsum("nchwij,kcij->nkhw", self.win, self.W, optimize=True)
        return z + self.b[:, None, None]  # (n, K, OH, OW)

    def backward(self, delta):
        # ∂L/∂w[l][f][c][i][j] = Σ_samples Σ_y Σ_x δ[l][f][y][x]·a[l−1][c][y·s+i−p][x·s+j−p]
        self.dW = np.einsum("nkhw,nchwij->kcij", delta, self.win, optimize=True)
        self.db = delta.sum(axis=(0, 2, 3))  # ∂L/∂b[l][f] = Σ_samples Σ_y Σ_x δ[l][f][y][x]
        n, c, h, w = self.a_prev.shape
        p, s = self.padding, self.stride
        oh, ow = delta.shape[2:]
        grad = np.zeros((n, c, h + 2 * p, w + 2 * p))
        for i in range(self.W.shape[2]):
            for j in range(self.W.shape[3]):  # each tap sends δ back to the cells it read:
                # ∂L/∂a[l−1][c][y·s+i−p][x·s+j−p] += Σ_f w[l][f][c][i][j]·δ[l][f][y][x]
                grad[:, :, i : i + s * oh : s, j : j + s * ow : s] += np.einsum(
                    "nkhw,kc->nchw", delta, self.W[:, :, i, j]
                )
        return grad[:, :, p : p + h, p : p + w]
'''

MAXPOOL = '''
class MaxPool2d:
    """a[l][c][y][x] = the largest cell of its window; the gradient goes to that cell only
    (the first maximum in row order, as torch's max_pool2d)."""

    def __init__(self, size, stride):
        self.size, self.stride = size, stride  # (kh, kw), cells the window moves

    def forward(self, a_prev):
        self.a_prev = a_prev  # (n, C, H, W)
        win = windows(a_prev, self.size, self.stride)
        win = win.reshape(*win.shape[:4], -1)  # (n, C, OH, OW, kh·kw), row order
        self.winner = win.argmax(axis=-1)
        return win.max(axis=-1)

    def backward(self, grad_out):
        (kh, kw), s = self.size, self.stride
        oh, ow = grad_out.shape[2:]
        grad = np.zeros_like(self.a_prev)
        for i in range(kh):
            for j in range(kw):  # ∂L/∂a[l−1] = ∂L/∂a[l] at the winner, 0 elsewhere
                share = grad_out * (self.winner == i * kw + j)
                grad[:, :, i : i + s * oh : s, j : j + s * ow : s] += share
        return grad
'''

AVGPOOL = '''
class AvgPool2d:
    """a[l][c][y][x] = the mean of its window; the gradient is spread evenly over it."""

    def __init__(self, size, stride):
        self.size, self.stride = size, stride  # (kh, kw), cells the window moves

    def forward(self, a_prev):
        self.a_prev = a_prev  # (n, C, H, W)
        win = windows(a_prev, self.size, self.stride)
        return win.reshape(*win.shape[:4], -1).mean(axis=-1)

    def backward(self, grad_out):
        (kh, kw), s = self.size, self.stride
        oh, ow = grad_out.shape[2:]
        grad = np.zeros_like(self.a_prev)
        for i in range(kh):
            for j in range(kw):  # ∂L/∂a[l−1] = ∂L/∂a[l] / (kh·kw) to each cell of the window
                grad[:, :, i : i + s * oh : s, j : j + s * ow : s] += grad_out / (kh * kw)
        return grad
'''

FLATTEN = '''
class Flatten:
    """a[l][(c·H + y)·W + x] = a[l−1][c][y][x]: no arithmetic, the maps laid out as one row."""

    def forward(self, a_prev):
        self.shape = a_prev.shape  # (n, C, H, W)
        return a_prev.reshape(len(a_prev), -1)

    def backward(self, grad_out):
        return grad_out.reshape(self.shape)  # the same numbers, back in the maps' shape
'''

DROPOUT = '''
class Dropout:
    """a[l] ← a·m/(1 − p), m ~ Bernoulli(1 − p), drawn for each step as the engine draws it."""

    def __init__(self, units, p):
        self.units, self.p = units, p
        self.mask = None  # None: no dropout (the final loss on the whole data)

    def draw(self, rng, n):
        self.mask = (rng.random((n, self.units)) >= self.p).astype(np.float64)

    def forward(self, a):
        return a if self.mask is None else a * self.mask / (1.0 - self.p)

    def backward(self, grad_a):  # ∂L/∂g = ∂L/∂a·m/(1 − p): a dropped unit passes nothing back
        return grad_a if self.mask is None else grad_a * self.mask / (1.0 - self.p)
'''


def _activation(cls: str, doc: str, keep: str, forward: str, backward: str) -> str:
    """An elementwise activation class: `keep` is what its backward reads (z, a or both)."""
    lines = ["", "", f"class {cls}:", f'    """{doc}"""', "", "    def forward(self, z):"]
    if "z" in keep:
        lines.append("        self.z = z")
    code, _, comment = forward.partition("  # ")
    tail = f"  # {comment}" if comment else ""
    if "a" in keep:
        lines += [f"        self.a = {code}{tail}", "        return self.a"]
    else:
        lines.append(f"        return {code}{tail}")
    lines += ["", "    def backward(self, grad_a):", f"        return {backward}", ""]
    return "\n".join(lines)


ACTIVATIONS = {  # name: (class, docstring, what backward reads, forward, backward)
    "sigmoid": ("Sigmoid", "a = σ(z) = 1/(1 + e^(−z)); σ'(z) = σ(z)·(1 − σ(z))", "a",
                "0.5 * (1.0 + np.tanh(0.5 * z))  # = 0.5·(1 + tanh(z/2)), the same without overflow",
                "grad_a * (self.a * (1.0 - self.a))  # δ = ∂L/∂a·σ(z)·(1 − σ(z))"),
    "tanh": ("Tanh", "a = tanh(z); tanh'(z) = 1 − tanh(z)²", "a", "np.tanh(z)",
             "grad_a * (1.0 - self.a * self.a)  # δ = ∂L/∂a·(1 − a²)"),
    "relu": ("ReLU", "a = ReLU(z) = max(0, z); ReLU'(z) = 1 if z > 0 else 0", "z",
             "np.maximum(z, 0.0)",
             "grad_a * (self.z > 0).astype(np.float64)  # δ = ∂L/∂a·(1 if z > 0 else 0)"),
    "leaky_relu": ("LeakyReLU", "a = z if z > 0 else 0.01·z; LReLU'(z) = 1 if z > 0 else 0.01",
                   "z", "np.where(z > 0, z, 0.01 * z)",
                   "grad_a * np.where(self.z > 0, 1.0, 0.01)  # δ = ∂L/∂a·LReLU'(z)"),
    "elu": ("ELU", "a = z if z > 0 else α·(e^z − 1), α = 1; ELU'(z) = 1 if z > 0 else a + α",
            "za", "np.where(z > 0, z, 1.0 * np.expm1(np.minimum(z, 0.0)))",
            "grad_a * np.where(self.z > 0, 1.0, self.a + 1.0)  # δ = ∂L/∂a·ELU'(z)"),
    "linear": ("Identity", "a = id(z) = z; id'(z) = 1", "", "z.copy()",
               "grad_a * 1.0  # δ = ∂L/∂a·1"),
    "square": ("Square", "a = sq(z) = z²; sq'(z) = 2z", "z", "z * z",
               "grad_a * (2.0 * self.z)  # δ = ∂L/∂a·2z"),
    "step": ("Step", "a = step(z) = 1 if z ≥ 0 else 0; step'(z) = 0: no gradient flows back", "",
             "(z >= 0).astype(np.float64)", "grad_a * 0.0  # δ = ∂L/∂a·0"),
}  # fmt: skip

SOFTMAX = '''
class Softmax:
    """a_j = e^(z_j) / Σ_k e^(z_k) over each row; ∂a_j/∂z_i = a_j·(1[i=j] − a_i)."""

    def forward(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))  # shifted: e^z never overflows
        self.a = e / e.sum(axis=-1, keepdims=True)
        return self.a

    def backward(self, grad_a):  # δ_j = a_j·(∂L/∂a_j − Σ_k ∂L/∂a_k·a_k)
        return self.a * (grad_a - (grad_a * self.a).sum(axis=-1, keepdims=True))
'''


def activation_class(name: str) -> tuple[str, str]:
    """(class name, source) of an activation."""
    if name == "softmax":
        return "Softmax", SOFTMAX
    return ACTIVATIONS[name][0], _activation(*ACTIVATIONS[name])
