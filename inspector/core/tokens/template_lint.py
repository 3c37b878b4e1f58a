"""The template linter: what a tokenizer and template do to training before any row is read.

The mask linter (`lint`) looks at rows; this one renders a few probe conversations through the
pipeline's template and tokenizer and reports, each as a reason code with its evidence:

- `no_generation_markers`: the chat template has no ``{% generation %}`` block, so
  transformers' assistant mask is empty; `trl_assistant_only_loss_trains_nothing` when that
  also leaves TRL's ``assistant_only_loss=True`` with nothing (TRL patches a few known
  templates and refuses the rest);
- `end_of_turn_not_trained`: the template's generation block leaves the end-of-turn token after
  an answer out, so the model never learns to stop;
- `template_bos_doubled`: the template writes BOS and the tokenizer adds another when the
  rendered text is tokenized as plain text (``apply_chat_template(tokenize=False)`` then
  ``tokenizer(text)``, the usual path of text-field trainers);
- `pad_is_eos` / `pad_token_unset` / `pad_in_template`: padding that a collator masks by id
  (``labels[input_ids == pad] = -100``) then also masks the EOS or a marker to learn;
- `system_prompt_dropped`, `tools_not_rendered`, `reasoning_not_rendered`: what the template
  cannot show the model (a system prompt, tool schemas, a reasoning trace).

Only the tokenizer and the template are read: nothing depends on the data, so a report is
cheap enough for every `--stats`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from inspector.core.data.conversation import ASSISTANT, SYSTEM, USER, Conversation, Turn
from inspector.core.errors import RowError
from inspector.core.tokens.chat_template import _render, has_generation_blocks
from inspector.core.tokens.facts import COLUMNS, row_facts
from inspector.core.tokens.tokenize import TokenPipeline

#: code -> (severity, what it means for training)
CODES: dict[str, tuple[str, str]] = {
    "no_generation_markers": (
        "info",
        "the chat template has no {% generation %} block: transformers' assistant mask is "
        "empty (inspector trains the assistant turns by its own rule)",
    ),
    "trl_assistant_only_loss_trains_nothing": (
        "warning",
        "with this template TRL's assistant_only_loss=True has no assistant tokens to train "
        "(TRL refuses the dataset)",
    ),
    "trl_patches_template": (
        "info",
        "TRL's assistant_only_loss=True swaps this template for its own training version, "
        "which can tokenize differently from what is shown here",
    ),
    "end_of_turn_not_trained": (
        "error",
        "the end-of-turn token after an answer is outside the trained span: the model never "
        "learns to stop",
    ),
    "template_bos_doubled": (
        "warning",
        "the template writes BOS and the tokenizer adds another when its text is tokenized as "
        "plain text: sequences start with two BOS",
    ),
    "pad_is_eos": (
        "warning",
        "the pad token is the EOS: a collator that masks padding by id (transformers' "
        "DataCollatorForLanguageModeling) masks every EOS too, and the model never learns to stop",
    ),
    "pad_token_unset": (
        "info",
        "the tokenizer has no pad token: trainers fall back to EOS (TRL does), with the risk "
        "pad_is_eos describes",
    ),
    "pad_in_template": (
        "warning",
        "the pad token is part of the template's markup: a collator that masks padding by id "
        "masks it inside every row",
    ),
    "system_prompt_dropped": (
        "warning",
        "the template does not render a system prompt (drops it or refuses the row)",
    ),
    "tools_not_rendered": (
        "info",
        "the template does not render tool definitions: rows' tool schemas never reach the model",
    ),
    "reasoning_not_rendered": (
        "info",
        "the template does not render an assistant's reasoning (reasoning_content / thinking)",
    ),
}

SYSTEM_PROBE = "Answer in one word."
USER_PROBE = "What is the capital of France?"
ANSWER_PROBE = "Paris."
TOOL_NAME = "lookup_capital_probe"
REASONING_PROBE = "The user asks for the capital; France's is Paris."
TOOLS_PROBE = [
    {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": "Look up a country's capital.",
            "parameters": {
                "type": "object",
                "properties": {"country": {"type": "string"}},
                "required": ["country"],
            },
        },
    }
]


@dataclass
class TemplateFinding:
    code: str
    severity: str
    description: str
    evidence: str

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "description": self.description,
            "evidence": self.evidence,
        }


@dataclass
class TemplateReport:
    """Every finding for one tokenizer + template, plus what each probe showed."""

    template: str
    findings: list[TemplateFinding] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)

    def add(self, code: str, evidence: str) -> None:
        severity, description = CODES[code]
        self.findings.append(TemplateFinding(code, severity, description, evidence))

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_json(self) -> dict:
        order = {"error": 0, "warning": 1, "info": 2}
        found = sorted(self.findings, key=lambda f: order[f.severity])
        return {
            "template": self.template,
            "findings": [f.to_json() for f in found],
            "checks": self.checks,
        }


def _probe(system: bool = False) -> list[Turn]:
    turns = [Turn(SYSTEM, SYSTEM_PROBE)] if system else []
    return turns + [
        Turn(USER, USER_PROBE),
        Turn(ASSISTANT, ANSWER_PROBE, trained=True),
        Turn(USER, "And of Italy?"),
        Turn(ASSISTANT, "Rome.", trained=True),
    ]


def _chat_text(tok, messages, tools=None) -> str:
    text, _ = _render(tok, messages, tools, with_generation=False)
    return text


def lint_template(pipeline) -> TemplateReport:
    """Run every check on `pipeline`'s tokenizer and template (a `TokenPipeline`)."""
    tok = pipeline.tokenizer
    name = pipeline.template.name
    report = TemplateReport(name)
    if name == "tokenizer":
        _generation_checks(tok, report)
    _end_of_turn(pipeline, report)
    _bos(pipeline, report)
    _pad(pipeline, report)
    _capabilities(pipeline, report)
    return report


def _generation_checks(tok, report: TemplateReport) -> None:
    template = tok.chat_template
    text = template if isinstance(template, str) else json.dumps(template)
    has = has_generation_blocks(text)
    report.checks["generation_markers"] = has
    if has:
        return
    report.add(
        "no_generation_markers",
        "no {% generation %} in the template: return_assistant_tokens_mask gives all zeros",
    )
    trl = _trl_training_template(tok)
    report.checks["trl_training_template"] = trl
    if trl == "patched":
        report.add(
            "trl_patches_template",
            "trl.chat_template_utils.get_training_chat_template returns its own version",
        )
    else:
        why = {
            "refused": "TRL has no training version of this template",
            None: "TRL is not installed here; its rule is transformers' assistant mask",
        }[trl]
        report.add("trl_assistant_only_loss_trains_nothing", f"0 assistant tokens; {why}")


def _trl_training_template(tok) -> str | None:
    """'patched' when TRL has a training version of the template, 'refused' when it has none,
    None without TRL."""
    try:
        from trl.chat_template_utils import get_training_chat_template
    except Exception:  # noqa: BLE001 - TRL is an optional extra
        return None
    try:
        return "patched" if get_training_chat_template(tok) is not None else None
    except Exception:  # noqa: BLE001 - TRL raises for templates it does not know
        return "refused"


def _end_of_turn(pipeline, report: TemplateReport) -> None:
    conv = Conversation("messages", _probe())
    every_answer = replace(pipeline.settings, mask="assistant", max_length=1 << 20)
    try:
        row = TokenPipeline(pipeline.tokenizer, every_answer).encode(conv)
    except RowError as err:
        report.checks["end_of_turn_trained"] = None
        report.checks["probe_error"] = err.reason
        return
    facts = row_facts(row)
    untrained = facts[COLUMNS.index("eot_untrained")]
    report.checks["end_of_turn_trained"] = untrained == 0
    if untrained:
        ends = [row.rendered.text[a:b] for t in (2, 4) for a, b in row.rendered.spans(t, "end")]
        shown = ", ".join(repr(e) for e in ends) or "no end-of-turn token after the answer"
        report.add(
            "end_of_turn_not_trained",
            f"{untrained} of 2 probe answers; their end-of-turn token: {shown}",
        )


def _bos(pipeline, report: TemplateReport) -> None:
    tok = pipeline.tokenizer
    bos = tok.bos_token
    if not bos or tok.bos_token_id is None:
        return
    try:
        rendered = pipeline.render(Conversation("messages", _probe()))
    except RowError:
        return
    if pipeline.template.name != "tokenizer":
        return  # built-in templates' text is only ever tokenized by the pipeline itself
    if rendered.add_special_tokens or not rendered.text.startswith(bos):
        report.checks["bos_doubled_as_text"] = False
        return
    ids = tok(rendered.text, add_special_tokens=True)["input_ids"]
    doubled = ids[:2] == [tok.bos_token_id, tok.bos_token_id]
    report.checks["bos_doubled_as_text"] = doubled
    if doubled:
        report.add(
            "template_bos_doubled",
            f"the text starts with {bos!r}; tokenizer(text) gives ids {ids[:3]}…",
        )


def _pad(pipeline, report: TemplateReport) -> None:
    tok = pipeline.tokenizer
    pad, eos = tok.pad_token, tok.eos_token
    report.checks["pad_token"] = pad
    if pad is None:
        report.add("pad_token_unset", f"no pad token; EOS is {eos!r} (id {tok.eos_token_id})")
        return
    if pad == eos:
        report.add("pad_is_eos", f"pad token {pad!r} (id {tok.pad_token_id}) is the EOS")
        return
    try:
        rendered = pipeline.render(Conversation("messages", _probe(system=True)))
    except RowError:
        return
    markup = "".join(
        rendered.text[p.start : p.end] for p in rendered.pieces if p.part in ("markup", "end")
    )
    if pad in markup:
        report.add("pad_in_template", f"pad token {pad!r} occurs in the template's markup")


def _capabilities(pipeline, report: TemplateReport) -> None:
    tok = pipeline.tokenizer
    name = pipeline.template.name
    try:
        text = pipeline.render(Conversation("messages", _probe(system=True))).text
        shown = SYSTEM_PROBE in text
        problem = "" if shown else "the system prompt is missing from the rendered text"
    except RowError as err:
        shown, problem = False, err.reason
    report.checks["renders_system"] = shown
    if not shown:
        report.add("system_prompt_dropped", problem)
    tools = json.dumps(TOOLS_PROBE)
    try:
        conv = Conversation("messages", _probe(), tools=tools)
        shown = TOOL_NAME in pipeline.render(conv).text
        problem = "" if shown else "a tool schema passed as tools= is missing from the text"
    except RowError as err:
        shown, problem = False, err.reason
    report.checks["renders_tools"] = shown
    if not shown:
        report.add("tools_not_rendered", problem)
    if name != "tokenizer":
        report.checks["renders_reasoning"] = None  # built-in templates: see their docstrings
        return
    shown = False
    for key in ("reasoning_content", "thinking"):
        messages = [
            {"role": "user", "content": USER_PROBE},
            {"role": "assistant", "content": ANSWER_PROBE, key: REASONING_PROBE},
        ]
        try:
            shown = REASONING_PROBE in _chat_text(tok, messages)
        except Exception:  # noqa: BLE001 - a template refusing the key renders nothing of it
            shown = False
        if shown:
            break
    report.checks["renders_reasoning"] = shown
    if not shown:
        report.add(
            "reasoning_not_rendered",
            "an assistant message's reasoning_content / thinking is missing from the text",
        )
