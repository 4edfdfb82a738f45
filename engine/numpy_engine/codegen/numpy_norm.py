"""The NumPy script's batch-norm layer (see ../batchnorm.py): the engine's arithmetic in the
engine's order, so that the script prints the trace's numbers, running statistics included."""

from __future__ import annotations

BATCHNORM = '''
class BatchNorm:
    """y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε), per unit after a dense layer, per channel (over
    the batch and every cell of its maps) after a conv layer. Training mode: μ and σ² are the
    batch's (σ² biased, ÷ m) and the running statistics move as torch's do; evaluation mode: μ and
    σ² are the running statistics, which never move. W holds γ and b holds β."""

    def __init__(self, gamma, beta, running, momentum, eps, train=True, frozen=()):
        self.W = np.array(gamma, dtype=np.float64)  # γ (C,)
        self.b = np.array(beta, dtype=np.float64)  # β (C,)
        self.running_mean, self.running_var = (np.array(v, dtype=np.float64) for v in running)
        self.momentum, self.eps, self.train, self.frozen = momentum, eps, train, frozen
        self.moves = train  # False for the final loss on the whole data: it moves nothing

    def channel(self, v):
        """A (C,) vector shaped to broadcast against x."""
        return v if self.x.ndim == 2 else v[None, :, None, None]

    def forward(self, x):
        self.x = x  # (n, C) or (n, C, H, W), kept for the backward pass
        self.axes = (0,) if x.ndim == 2 else (0, 2, 3)  # what a channel's statistics run over
        self.m = x.size // x.shape[1]  # m: the numbers each channel averages over
        if self.train:
            self.mu = x.mean(axis=self.axes)  # μ = 1/m·Σ x;  σ² = 1/m·Σ (x − μ)²
            self.var = ((x - self.channel(self.mu)) ** 2).mean(axis=self.axes)  # σ², biased
            if self.moves:  # torch's update, with the unbiased variance m/(m − 1)·σ²
                unbiased = self.var * self.m / (self.m - 1) if self.m > 1 else self.var
                keep, take = 1 - self.momentum, self.momentum
                self.running_mean = keep * self.running_mean + take * self.mu
                self.running_var = keep * self.running_var + take * unbiased
        else:
            self.mu, self.var = self.running_mean, self.running_var
        self.xhat = (x - self.channel(self.mu)) / np.sqrt(self.channel(self.var) + self.eps)
        return self.channel(self.W) * self.xhat + self.channel(self.b)  # y = γ·x̂ + β

    def backward(self, delta):  # δ = ∂L/∂y, sums over the batch (and the maps' cells)
        ax, m, c = self.axes, self.m, self.channel
        inv = 1.0 / np.sqrt(self.var + self.eps)  # 1/√(σ² + ε)
        xmu = self.x - c(self.mu)
        dxhat = delta * c(self.W)  # ∂L/∂x̂ = δ·γ
        self.dW = (delta * self.xhat).sum(axis=ax)  # ∂L/∂γ = Σ δ·x̂
        self.db = delta.sum(axis=ax)  # ∂L/∂β = Σ δ
        if not self.train:  # μ and σ² are constants: only the scaling remains
            return dxhat * c(inv)  # ∂L/∂x = ∂L/∂x̂/√(σ² + ε)
        # ∂L/∂σ² = Σ ∂L/∂x̂·(x − μ)·(−½)(σ² + ε)^(−3/2)
        dvar = (dxhat * xmu).sum(axis=ax) * -0.5 * inv**3
        # ∂L/∂μ = Σ ∂L/∂x̂·(−1/√(σ² + ε)) + ∂L/∂σ²·Σ −2(x − μ)/m
        dmu = (dxhat * -c(inv)).sum(axis=ax) + dvar * (-2.0 * xmu).sum(axis=ax) / m
        # ∂L/∂x = ∂L/∂x̂/√(σ² + ε) + ∂L/∂σ²·2(x − μ)/m + ∂L/∂μ/m
        return dxhat * c(inv) + c(dvar) * 2.0 * xmu / m + c(dmu) / m
'''

ENTRY = '''
def entry(layer):
    """A numbered layer's parameters as `trace --json` lists them."""
    if isinstance(layer, BatchNorm):  # γ, β and the running statistics
        return {
            "gamma": layer.W.tolist(),
            "beta": layer.b.tolist(),
            "running_mean": layer.running_mean.tolist(),
            "running_var": layer.running_var.tolist(),
        }
    if isinstance(layer, WEIGHTED):
        return {"weights": layer.W.tolist(), "bias": layer.b.tolist()}
    return {"weights": [], "bias": []}  # pooling and flatten: none
'''
