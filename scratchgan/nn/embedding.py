"""Embedding: a learned vector for each class label."""
from .. import backend
from .module import Module, Parameter, ShapeError
from . import init


class Embedding(Module):
    """Row y of a table W for each integer label y, as
    ``torch.nn.Embedding(num_embeddings, embedding_dim)``.

    PyTorch-GAN's conditional GAN feeds G ``cat(label_emb(labels), z)``; with
    scratchgan that is ``ConcatCondition(body).forward(z, emb(labels))``, and
    the label's gradient comes back as ``grad_condition`` for ``emb.backward``.

    Shapes:  y (N,) or (N, ...) integers in [0, num_embeddings)
             -> out (N, ..., embedding_dim);   W (num_embeddings, embedding_dim)

    Forward:   out = W[y]                  (= onehot(y) @ W)
    Backward:  dW = onehot(y)^T @ dy       (each row of dy added to its label's row)
               no gradient for y: labels are integers, so backward returns None.

    Init (PyTorch's): W ~ N(0, 1).
    """

    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.weight = Parameter(init.normal((self.num_embeddings, self.embedding_dim)))

    def forward(self, y):
        xp = backend.get_array_module(y)
        if not hasattr(y, "dtype") or y.dtype.kind not in "iu":
            raise TypeError(f"{self!r}: expected integer labels, got "
                            f"{getattr(y, 'dtype', type(y).__name__)}")
        if y.size and (int(y.min()) < 0 or int(y.max()) >= self.num_embeddings):
            raise ShapeError(f"{self!r}: labels must lie in [0, {self.num_embeddings}), "
                             f"got values from {int(y.min())} to {int(y.max())}")
        return self.remember(self.weight.data[xp.asarray(y)], (y,))

    def backward(self, dy, output=None):
        _, (y,) = self.recall(output)
        if tuple(dy.shape) != tuple(y.shape) + (self.embedding_dim,):
            raise ShapeError(f"{self!r}: backward expected grad of shape "
                             f"{tuple(y.shape) + (self.embedding_dim,)}, got {tuple(dy.shape)}")
        if self.weight.requires_grad:
            xp = backend.get_array_module(dy)
            onehot = xp.eye(self.num_embeddings, dtype=dy.dtype)[y.reshape(-1)]
            self.weight.grad += onehot.T @ dy.reshape(-1, self.embedding_dim)
        return None

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
