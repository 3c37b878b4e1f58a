"""Chat templates shaped like stock ones that render tool calls, written for the tests.

Each is given twice: as shipped by most models (no ``{% generation %}`` markers) and with
generation markers around what an assistant turn writes, so transformers' own
`return_assistant_tokens_mask` says what the assistant wrote. `special` lists the tokens the
matching stock tokenizer treats as special.
"""

from __future__ import annotations

#: ChatML with Hermes-style ``<tool_call>`` blocks (Qwen 2.5, Hermes 2 Pro); content is left
#: out when empty.
HERMES = (
    "{%- if tools %}<|im_start|>system\n"
    "{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}\n\n{% endif %}"
    "You may call these functions:\n<tools>\n"
    "{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}</tools><|im_end|>\n"
    "{%- elif messages[0]['role'] == 'system' %}<|im_start|>system\n"
    "{{ messages[0]['content'] }}<|im_end|>\n{% endif %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'assistant' %}<|im_start|>assistant\n[[GEN]]"
    "{% if message.content %}{{ message.content }}{% endif %}"
    "{%- for call in message.tool_calls or [] %}"
    "{% if not loop.first or message.content %}\n{% endif %}<tool_call>\n"
    "{{ {'name': call.function.name, 'arguments': call.function.arguments} | tojson }}\n"
    "</tool_call>"
    "{%- endfor %}<|im_end|>[[/GEN]]\n"
    "{%- elif message.role == 'tool' %}<|im_start|>user\n<tool_response>\n"
    "{{ message.content }}\n</tool_response><|im_end|>\n"
    "{%- elif message.role != 'system' %}<|im_start|>{{ message.role }}\n"
    "{{ message.content }}<|im_end|>\n{% endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

#: Mistral's v3 shape: ``[TOOL_CALLS]`` and a JSON list instead of the content, results in
#: ``[TOOL_RESULTS]``; EOS ends an answer.
MISTRAL_TOOLS = (
    "{{ bos_token }}"
    "{%- for message in messages %}"
    "{%- if message.role == 'user' %}"
    "{%- if tools and loop.last %}[AVAILABLE_TOOLS]{{ tools | tojson }}[/AVAILABLE_TOOLS]"
    "{% endif %}"
    "[INST] {{ message.content }}[/INST]"
    "{%- elif message.role == 'assistant' %}[[GEN]]"
    "{% if message.tool_calls %}[TOOL_CALLS]["
    "{%- for call in message.tool_calls %}"
    "{{ {'name': call.function.name, 'arguments': call.function.arguments} | tojson }}"
    "{%- if not loop.last %}, {% endif %}{%- endfor %}]"
    "{%- else %}{{ message.content }}{% endif %}{{ eos_token }}[[/GEN]]"
    "{%- elif message.role == 'tool' %}[TOOL_RESULTS]{{ message.content }}[/TOOL_RESULTS]"
    "{%- endif %}"
    "{%- endfor %}"
)

#: Llama 3.1's shape: a call is a bare JSON object (``parameters``) before ``<|eot_id|>``,
#: results come from the ``ipython`` role.
LLAMA31 = (
    "{{ bos_token }}"
    "{%- for message in messages %}"
    "{%- if message.role == 'assistant' %}<|start_header_id|>assistant<|end_header_id|>\n\n[[GEN]]"
    "{% if message.tool_calls %}"
    "{%- for call in message.tool_calls %}"
    '{"name": "{{ call.function.name }}", "parameters": {{ call.function.arguments | tojson }}}'
    "{%- endfor %}"
    "{%- else %}{{ message.content }}{% endif %}<|eot_id|>[[/GEN]]"
    "{%- elif message.role == 'tool' %}<|start_header_id|>ipython<|end_header_id|>\n\n"
    "{{ message.content }}<|eot_id|>"
    "{%- else %}<|start_header_id|>{{ message.role }}<|end_header_id|>\n\n"
    "{{ message.content }}<|eot_id|>{% endif %}"
    "{%- endfor %}"
)

TEMPLATES = {
    "hermes": (HERMES, ["<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"]),
    "mistral_tools": (MISTRAL_TOOLS, ["[INST]", "[/INST]", "[TOOL_CALLS]", "[TOOL_RESULTS]"]),
    "llama31": (LLAMA31, ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]),
}


def stock(name: str) -> str:
    """The template as shipped: no generation markers."""
    return TEMPLATES[name][0].replace("[[GEN]]", "").replace("[[/GEN]]", "")


def with_generation(name: str) -> str:
    """The same template with ``{% generation %}`` around what the assistant writes."""
    text = TEMPLATES[name][0]
    return text.replace("[[GEN]]", "{% generation %}").replace("[[/GEN]]", "{% endgeneration %}")
