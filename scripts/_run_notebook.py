"""Execute one notebook with a Jupyter kernel, cell by cell; write the executed copy; fail on any cell error.

    /usr/bin/python3 scripts/_run_notebook.py IN.ipynb OUT.ipynb [--kernel deno] [--timeout 120] [--cwd DIR]

The Deno kernel can report "idle" before a cell's last output arrives, so after idle the iopub channel
is drained a little longer. Exit 0 when every cell ran; exit 1 with "cell N: Name: message" otherwise
(N counts every cell of the notebook from 1, markdown included). A cell past --timeout or a kernel that
dies fails the run too.
"""
import argparse
import json
import queue
import sys
import time

import nbformat
from jupyter_client.manager import start_new_kernel

DRAIN_S = 0.3  # keep listening this long after "idle" (late outputs from the Deno kernel)


def output_of(msg):
    kind, c = msg["msg_type"], msg["content"]
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=c["name"], text=c["text"])
    if kind in ("display_data", "execute_result"):
        out = nbformat.v4.new_output("display_data", data=c.get("data", {}), metadata=c.get("metadata", {}))
        if kind == "execute_result":
            out = nbformat.v4.new_output(
                "execute_result", data=c.get("data", {}), metadata=c.get("metadata", {}),
                execution_count=c.get("execution_count"))
        return out
    if kind == "error":
        return nbformat.v4.new_output("error", ename=c["ename"], evalue=c["evalue"], traceback=c["traceback"])
    return None


def run_cell(km, kc, code, timeout):
    msg_id = kc.execute(code, store_history=True, allow_stdin=False)
    outputs, errors, idle_at = [], [], None
    deadline = time.monotonic() + timeout
    while True:
        now = time.monotonic()
        if idle_at is not None and now - idle_at > DRAIN_S:
            break
        if now > deadline:
            errors.append(("Timeout", f"cell did not finish within {timeout} s"))
            break
        try:
            msg = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            if not km.is_alive():
                errors.append(("KernelDied", "the kernel process exited during the cell"))
                break
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            idle_at = time.monotonic()
            continue
        out = output_of(msg)
        if out is not None:
            outputs.append(out)
            if out.output_type == "error":
                errors.append((out.ename, out.evalue))
    try:
        if errors and errors[-1][0] in ("Timeout", "KernelDied"):
            raise queue.Empty
        reply = kc.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
        content = reply["content"]
        if content.get("status") == "error" and not errors:
            errors.append((content.get("ename", "Error"), content.get("evalue", "")))
        count = content.get("execution_count")
    except queue.Empty:
        if not errors:
            errors.append(("Timeout", "no execute_reply from the kernel"))
        count = None
    return outputs, errors, count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--kernel", default="deno")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--cwd", default=None)
    a = p.parse_args()
    nb = nbformat.read(a.src, as_version=4)
    km, kc = start_new_kernel(kernel_name=a.kernel, cwd=a.cwd)
    failed = None
    try:
        for i, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code":
                continue
            outputs, errors, count = run_cell(km, kc, cell.source, a.timeout)
            cell.outputs, cell.execution_count = outputs, count
            if errors:
                name, value = errors[0]
                failed = f"cell {i}: {name}: {value}"
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    nbformat.write(nb, a.dst)
    if failed:
        print(failed, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
