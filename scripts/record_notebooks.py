"""Record the bundled notebooks: run them live against the test suite's fake model server.

    .venv/bin/python scripts/record_notebooks.py [quickstart multi-agent data-analysis]

The cells are defined here (the .ipynb files are generated), the answers are the scripted
example answers in scripts/notebook_answers.py, served with realistic pacing by
tests/fakes/model_server.py. Each notebook is executed live with nbclient into a throwaway
data directory, saved, then replayed offline to check every output comes back identical.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from notebook_answers import ANSWERS  # noqa: E402

from tests.fakes.model_server import FakeModelServer, RecordedRequest, Reply  # noqa: E402

NOTE = ("> **Recorded example answers.** The answers saved in this notebook were produced by the "
        "vibing2-lab test suite's fake model server with scripted replies, not by a live model. "
        "Run it as it is (`make run`, or `VIBING2_LAB_MODE=replay`) and they replay offline, byte for "
        "byte, with no key. To ask a live model instead, unset `VIBING2_LAB_MODE` and set a key "
        "(`vibing2-lab login`, `ANTHROPIC_API_KEY`, or `OPENAI_BASE_URL` for a local Ollama server).")

Cell = tuple[str, str]  # ("md" | "code", source)

NOTEBOOKS: dict[str, list[Cell]] = {
    "quickstart": [
        ("md", "# vibing2-lab quickstart\n\nChat with specialist agents from notebook cells: answers stream "
               "into the output, every cell's call is recorded in the notebook, and the generated web "
               "page is previewed in a sandbox.\n\n" + NOTE),
        ("code", "%load_ext vibing2_lab"),
        ("md", "## Ask one agent\n\n`%%vibe --agent NAME` sends the cell to that agent. "
               "`%vibe agents` lists them all."),
        ("code", "%%vibe --agent notebook-tutor\nWhat is a Python list comprehension? Show one short example."),
        ("md", "## Use your variables\n\n`{name}` is replaced by the variable's value when it exists; "
               "anything else in braces (dict literals, f-strings, CSS) stays as written."),
        ("code", "prices = {'apple': 1.2, 'pear': 0.8, 'fig': 2.5}"),
        ("code", "%%vibe --agent code-reviewer\nHere are my prices: {prices}\n"
                 "Write a function that returns the cheapest fruit. A literal like {\"a\": 1} stays as it is."),
        ("md", "## Insert the code\n\n`--format code` also puts the answer's code into a new cell below "
               "(in JupyterLab); every code block has **Copy** and **Insert cell** buttons."),
        ("code", "%%vibe --agent fullstack-developer --format code\nWrite fizzbuzz(n) returning a list of strings."),
        ("md", "## Preview a generated page\n\nGenerated HTML opens in the **Preview** tab, inside an iframe "
               "with `sandbox=\"allow-scripts\"` and no network: it cannot reach Jupyter or the internet."),
        ("code", "%%vibe --agent ui-ux-designer\nBuild a small landing page for a lemonade stand: "
                 "one index.html with inline CSS and a button."),
        ("md", "## Build an app and change it\n\nFiles an answer writes (a fenced block with `title=PATH`) become "
               "the project's files, and every answer that changes them makes a new **version**. A follow-up is "
               "shown the current files and answers with edit blocks, so *make the title blue* changes one line "
               "of `style.css` and the rest stays. The panel says which version each answer made.\n\n"
               "From a terminal: `vibing2-lab projects versions tip-calculator`, `projects diff tip-calculator 1 2`, "
               "`projects revert tip-calculator --to 1`, `projects export tip-calculator --to app.zip`. In the "
               "sidebar: the versions under **Files**, with Diff, Revert, Download and *Open in new tab*."),
        ("code", "%vibe use tip-calculator"),
        ("code", "%%vibe --agent fullstack-developer --format html\n"
                 "Build a tip calculator: index.html, style.css and app.js."),
        ("code", "%%vibe --agent fullstack-developer --format html\nMake the title blue."),
    ],
    "multi-agent": [
        ("md", "# Several agents at once\n\n`--agents A,B` asks them side by side (fan-out); add `--chain` and "
               "each one reads the previous answer.\n\n" + NOTE),
        ("code", "%load_ext vibing2_lab"),
        ("md", "## Fan-out: an API designer and a database architect on the same question"),
        ("code", "%%vibe --agents backend-api-developer,database-architect\n"
                 "Design the REST API and the database schema of a small todo app with users."),
        ("md", "## Chain: a SQL expert writes, a code reviewer checks"),
        ("code", "%%vibe --agents sql-expert,code-reviewer --chain\n"
                 "Write a PostgreSQL query for monthly revenue over the last 12 months from orders "
                 "and order_items."),
        ("md", "## Let vibing2-lab pick\n\n`--auto` chooses the agent whose skills match the prompt best."),
        ("code", "%%vibe --auto\nHow should I organise a long Jupyter notebook so a colleague can rerun it?"),
    ],
    "data-analysis": [
        ("md", "# Data analysis with agents\n\nA DataFrame made here is summarised into the prompt "
               "(shape, dtypes, first rows) with `{df}`.\n\n" + NOTE),
        ("code", "%load_ext vibing2_lab\nimport pandas as pd"),
        ("code", "df = pd.DataFrame({\n"
                 "    'month': ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun'] * 2,\n"
                 "    'region': ['North'] * 6 + ['South'] * 6,\n"
                 "    'units': [120, 132, 141, 155, 163, 178, 75, 80, 88, 97, 101, 112],\n"
                 "    'price': [4.5, 4.5, 4.6, 4.6, 4.8, 4.95, 4.5, 4.5, 4.6, 4.6, 4.8, 4.95],\n"
                 "})\n"
                 "df.groupby('region').units.sum()"),
        ("code", "%%vibe --agent data-analyst\nHere is my sales data:\n{df}\nWhat stands out?"),
        ("code", "revenue = (df.assign(revenue=df.units * df.price)\n"
                 "             .pivot_table(index='month', columns='region', values='revenue', aggfunc='sum',"
                 " sort=False))\nrevenue.round(2)"),
        ("code", "%%vibe --agent visualization-expert\nWhich chart shows units by month and region in {df} best?"),
    ],
}


def _agent_of(system: str | None, prompts: dict[str, str]) -> str | None:
    for name, prompt in prompts.items():
        if system and system.startswith(prompt):
            return name
    return None


def responder(prompts: dict[str, str]) -> Any:
    """Answer each request with the scripted answer for its agent and prompt, at a realistic pace."""

    def respond(request: RecordedRequest) -> Reply:
        body = request.body
        agent = _agent_of(body.get("system"), prompts)
        prompt = body["messages"][-1]["content"].lower()
        for name, phrase, answer in ANSWERS:
            if name == agent and phrase in prompt:
                size = len(json.dumps(body)) // 4
                return Reply(text=answer, first_delay=0.35, delay=0.004, input_tokens=size)
        raise SystemExit(f"no scripted answer for agent {agent!r} and prompt {prompt[:80]!r}")

    return respond


def build(cells: list[Cell]) -> Any:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells]
    for n, cell in enumerate(nb.cells):
        cell.id = f"cell-{n}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nbformat.from_dict(nb)


def record(name: str, fake: FakeModelServer) -> Path:
    import nbformat
    from nbclient import NotebookClient

    path = REPO / "notebooks" / f"{name}.ipynb"
    nb = build(NOTEBOOKS[name])
    with tempfile.TemporaryDirectory(prefix="vibe-record-") as home:
        env = {"VIBING2_LAB_HOME": home, "ANTHROPIC_BASE_URL": fake.url, "ANTHROPIC_API_KEY": "sk-ant-fake-recording",
               "PYTHONPATH": str(REPO), "JPY_SESSION_NAME": ""}
        saved = dict(os.environ)
        os.environ.update(env)
        os.environ.pop("VIBING2_LAB_MODE", None)
        try:
            NotebookClient(nb, timeout=120, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        finally:
            os.environ.clear()
            os.environ.update(saved)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return path


def main(names: list[str]) -> int:
    from vibing2_lab.agents import AgentRegistry
    from vibing2_lab.notebook.rerun import replay_notebook

    prompts = {a.name: a.system_prompt for a in AgentRegistry.load().all() if a.source == "bundled"}
    with FakeModelServer() as fake:
        fake.respond = responder(prompts)
        paths = [record(name, fake) for name in names or list(NOTEBOOKS)]
    failed = 0
    for path in paths:
        diffs = replay_notebook(path)
        print(f"{path.relative_to(REPO)}: recorded; replay {'OK' if not diffs else 'DIFFERS'}")
        for diff in diffs:
            print("  ", diff.summary())
        failed += bool(diffs)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
