"""The stdin round trip a `%%vibe` consent question takes, against ipykernel's own input().

A consent question is a widget message plus an input_request on the kernel's stdin channel,
answered by an input_reply (magics/stdin.py). This measures, in one real kernel driven by
jupyter_client, N questions answered at once by the client:

    peer    N plain `input()` calls (ipykernel's raw_input)
    ours    N `KernelStdin.ask` calls (the one %%vibe consent and the notebook bridge use)

and prints ms per round trip for both and the ratio. The human's thinking time is not in it:
what is left is the cost the mechanism adds to every question.

    python benchmarks/consent_roundtrip.py [--n 200]
"""

from __future__ import annotations

import argparse
import time

from jupyter_client.manager import start_new_kernel

PEER = "import time\n_t = time.perf_counter()\nfor _ in range({n}):\n    input('q? ')\n_peer = time.perf_counter() - _t"
OURS = ("import time\nfrom vibing2_lab.magics.stdin import KernelStdin\n_s = KernelStdin(get_ipython())\n"
        "_t = time.perf_counter()\nfor _ in range({n}):\n    _s.ask('q?', 'bench')\n_ours = time.perf_counter() - _t")


def measure(kc, code: str, name: str) -> float:
    reply = kc.execute_interactive(code, allow_stdin=True, stdin_hook=lambda msg: kc.input("y"), timeout=600)
    assert reply["content"]["status"] == "ok", reply["content"]
    found: list[str] = []
    kc.execute_interactive(f"print({name})", timeout=60,
                           output_hook=lambda m: found.append(m["content"].get("text", "")))
    return float("".join(found).strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    n = parser.parse_args().n
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        measure(kc, PEER.format(n=5), "_peer")  # warm up both paths
        measure(kc, OURS.format(n=5), "_ours")
        peer = measure(kc, PEER.format(n=n), "_peer")
        ours = measure(kc, OURS.format(n=n), "_ours")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(f"{n} stdin round trips, answered at once by the client")
    print(f"  ipykernel input():   {peer / n * 1000:7.2f} ms each")
    print(f"  KernelStdin.ask:     {ours / n * 1000:7.2f} ms each")
    print(f"  ratio ours / peer:   {ours / peer:7.2f}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(ran in {time.perf_counter() - started:.1f} s)")
