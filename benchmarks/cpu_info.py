"""The CPU a speed number was measured on: model, cores and the flags that matter
(AVX2, AVX-512, AMX), from ``lscpu`` (Linux) or /proc/cpuinfo."""
import os
import platform
import shutil
import subprocess

FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16")


def cpu_info():
    """One line: model, cores, the interesting flags present."""
    model, flags = platform.processor() or platform.machine(), set()
    if shutil.which("lscpu"):
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                model = value.strip()
            elif key.strip() == "Flags":
                flags = set(value.split())
    elif os.path.exists("/proc/cpuinfo"):
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    have = [f for f in FLAGS if f in flags] or ["none of " + "/".join(FLAGS[:3])]
    return f"{model}; {os.cpu_count()} cores; flags: {' '.join(have)}"


def use_threads(n):
    """Both libraries on ``n`` threads: BLAS and OpenMP by the environment (set
    before NumPy loads them), PyTorch by its own call where it is installed."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass


if __name__ == "__main__":
    print(cpu_info())
