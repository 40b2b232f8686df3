"""The navigators' kernel: ``python -m hub.ipc_kernel -f <connection file>``.

The navigators' Lab (``make lab`` and the hub's servers) and the hub's dashboard find this kernel
as ``python3`` on ``JUPYTER_PATH`` (``hub/jupyter_data/kernels/python3``). It is the dashboard's
kernel (``secondopinion.serving.kernel``): nothing on TCP, every message kept for a server that
reads late.
"""

from __future__ import annotations

from secondopinion.serving.kernel import run

if __name__ == "__main__":
    run()
