# One image for every role: Dask scheduler, Dask worker, batch client (engine run),
# Jupyter and engine serve. Dependencies come from requirements.lock (generated from
# pyproject.toml by `make lock`), so every container runs identical library versions,
# as Dask requires of a scheduler, its workers and its clients.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    NUMBA_CACHE_DIR=/home/engine/.cache/numba \
    MPLCONFIGDIR=/home/engine/.cache/matplotlib

RUN useradd --create-home --uid 1000 engine
WORKDIR /home/engine/app

COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

COPY pyproject.toml README.md ./
COPY engine ./engine
RUN pip install --no-deps . && rm -rf build
# Every kernel compiled once, at build time, into a cache the non-root user reads: no
# container, worker or served model compiles on its first task.
ENV ENGINE_KERNEL_CACHE=/opt/engine-kernels
RUN engine warmup

USER engine
EXPOSE 8786 8787 8000 8888
CMD ["engine", "--help"]
