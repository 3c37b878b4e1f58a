"""Generate inspector's own demo datasets, with planted defects listed in `manifest.json`.

Run `python sample_data/generate.py` to rewrite every file in this folder (the output is
deterministic and committed). Datasets:

- `sft/`        Alpaca SFT rows (train + validation) with planted exact and near duplicates,
                refusals, AI boilerplate, empty outputs, template tokens leaking into answers,
                PII, rows far longer than 2048 tokens whose answer is cut away by truncation,
                benchmark items copied in (contamination) and a row leaking across splits.
- `chat/`       OpenAI `messages` conversations, multi-turn with system turns, a few broken.
- `preference/` prompt/chosen/rejected rows, a few with chosen == rejected.
- `benchmark/`  a small question/answer test set (use it with `--against`).

`manifest.json` lists each planted defect by dataset, split and 0-based row, with the reason
code the scanner is expected to report, so tests can check that every one is found.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261121

DISHES = [
    "lentil soup",
    "banana bread",
    "vegetable curry",
    "tomato risotto",
    "pancakes",
    "roast chicken",
    "mushroom omelette",
    "apple pie",
    "fried rice",
    "guacamole",
]
COOK_STEPS = [
    "chop the onions finely",
    "preheat the oven to 180 degrees",
    "whisk the eggs",
    "simmer the sauce gently",
    "season with salt and pepper",
    "stir in fresh herbs",
    "let the dough rest for twenty minutes",
    "toast the spices in a dry pan",
]
LANGS = ["Python", "JavaScript", "Rust", "Go", "SQL"]
TASKS = [
    "reverse a string",
    "read a file line by line",
    "sort a list of numbers",
    "count word frequencies",
    "remove duplicates from a list",
    "parse a date",
    "merge two dictionaries",
    "check whether a number is prime",
]
COUNTRIES = {
    "France": "Paris",
    "Japan": "Tokyo",
    "Kenya": "Nairobi",
    "Peru": "Lima",
    "Canada": "Ottawa",
    "Norway": "Oslo",
    "Egypt": "Cairo",
    "Chile": "Santiago",
    "Vietnam": "Hanoi",
    "Poland": "Warsaw",
    "Ghana": "Accra",
    "Nepal": "Kathmandu",
    "Brazil": "Brasilia",
    "Iceland": "Reykjavik",
    "Morocco": "Rabat",
    "Mongolia": "Ulaanbaatar",
    "Portugal": "Lisbon",
    "Argentina": "Buenos Aires",
    "Finland": "Helsinki",
    "Tanzania": "Dodoma",
    "Thailand": "Bangkok",
    "Ireland": "Dublin",
    "Bolivia": "Sucre",
    "Laos": "Vientiane",
}
FEATURES = ["mountains", "rivers", "coastline", "deserts", "forests", "lakes", "islands"]
EXERCISES = ["running", "swimming", "yoga", "cycling", "strength training", "walking"]
BENEFITS = [
    "better sleep",
    "a stronger heart",
    "lower stress",
    "more energy",
    "improved balance",
    "healthier joints",
]
NAMES = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas"]
ITEMS = ["apples", "pencils", "marbles", "stickers", "books", "cookies", "stamps", "shells"]


AUDIENCES = [
    "a beginner",
    "a busy parent",
    "a student",
    "a retired teacher",
    "a nurse on night shifts",
    "a teenager",
    "an office worker",
    "a new runner",
    "a chef in training",
]
COOK_ASKS = [
    "Explain how to make {dish} for {n} people.",
    "What is a simple way to cook {dish} on a weeknight when I only have {m} minutes?",
    "Give {who} step by step instructions for {dish}.",
    "My {dish} always turns out bland. How can I fix it?",
    "Can {dish} be prepared a day ahead for a party of {n}?",
]
CODE_ASKS = [
    "How do I {task} in {lang}?",
    "Write a {lang} function to {task} and explain how it works.",
    "What is the fastest way to {task} in {lang} when the input has about {n} items?",
    "Show {who} how to {task} in {lang} without external libraries.",
    "Why does my {lang} code to {task} fail on empty input?",
]
GEO_ASKS = [
    "Describe the geography of the given country.",
    "What should {who} know about the landscape of this country?",
    "Summarize the main natural regions of the country below in a few sentences.",
    "Which landforms shape daily life in this country?",
]
FIT_ASKS = [
    "What are the benefits of {ex} for {who}?",
    "How often should {who} practise {ex} to see results within {m} days?",
    "Is {ex} a good choice for someone aged {age}?",
    "Plan a gentle week of {ex} for {who}.",
]


def cooking(rng):
    dish = rng.choice(DISHES)
    steps = rng.sample(COOK_STEPS, 3)
    ask = rng.choice(COOK_ASKS).format(
        dish=dish, n=rng.randint(2, 14), m=rng.randint(15, 60), who=rng.choice(AUDIENCES)
    )
    return (
        ask,
        "",
        f"To make {dish}, first {steps[0]}, then {steps[1]}, and finally {steps[2]}. "
        f"Taste as you go and adjust the seasoning, because {dish} is best when the flavours "
        f"are balanced. It keeps for about {rng.randint(2, 4)} days in the fridge.",
    )


def programming(rng):
    lang, task = rng.choice(LANGS), rng.choice(TASKS)
    ask = rng.choice(CODE_ASKS).format(
        lang=lang, task=task, n=rng.choice([100, 5000, 10**6]), who=rng.choice(AUDIENCES)
    )
    return (
        ask,
        "",
        f"In {lang} you can {task} with a short function from the standard library. Write a "
        f"small helper that takes the input, applies the operation and returns the result, "
        f"then add {rng.randint(2, 6)} unit tests so the behaviour stays correct when the code "
        "changes.",
    )


def geography(rng):
    country = rng.choice(sorted(COUNTRIES))
    feats = rng.sample(FEATURES, 2)
    ask = rng.choice(GEO_ASKS).format(who=rng.choice(AUDIENCES))
    return (
        ask,
        country,
        f"{country} is known for its {feats[0]} and {feats[1]}. Its capital is "
        f"{COUNTRIES[country]}, and the landscape shapes where people live, how they farm "
        f"and which of its {rng.randint(5, 30)} regions attract the most visitors.",
    )


def math_problem(rng):
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    a, b, c = rng.randint(3, 40), rng.randint(2, 9), rng.randint(1, 20)
    total = a * b - c
    question = (
        f"{name} buys {b} boxes with {a} {item} in each box and then gives {c} {item} "
        f"to a friend. How many {item} does {name} have left?"
    )
    answer = (
        f"{name} starts with {b} times {a}, which is {a * b} {item}. After giving away "
        f"{c}, {name} has {a * b} minus {c}, which is {total} {item} left."
    )
    return question, answer


TOWNS = ["Millbrook", "Ashford", "Riverton", "Kingsport", "Oakridge", "Westfield", "Lakeview"]


def benchmark_problem(rng):
    """Benchmark items use their own wording, so only planted copies overlap the SFT rows."""
    speed, hours, stop = rng.randint(40, 120), rng.randint(2, 7), rng.randint(10, 90)
    a, b = rng.sample(TOWNS, 2)
    question = (
        f"A train leaves {a} travelling at {speed} kilometres per hour and reaches {b} "
        f"after {hours} hours, including a stop of {stop} kilometres worth of delay "
        f"added to its route. What distance did the train cover in total?"
    )
    answer = (
        f"At {speed} kilometres per hour for {hours} hours the train covers "
        f"{speed * hours} kilometres, and the delay adds {stop}, so the total is "
        f"{speed * hours + stop} kilometres."
    )
    return question, answer


def fitness(rng):
    ex, ben = rng.choice(EXERCISES), rng.sample(BENEFITS, 2)
    ask = rng.choice(FIT_ASKS).format(
        ex=ex, who=rng.choice(AUDIENCES), m=rng.randint(14, 90), age=rng.randint(18, 85)
    )
    return (
        ask,
        "",
        f"Regular {ex} can lead to {ben[0]} and {ben[1]}. Start slowly, keep a steady "
        f"routine of {rng.randint(2, 5)} sessions per week and rest when your body needs it, so "
        "the habit lasts for years.",
    )


def base_alpaca(rng, seen: set[str]):
    """A fresh row whose prompt is not in `seen` (planted duplicates are the only ones)."""
    while True:
        row = _draw_alpaca(rng)
        key = (row["instruction"] + "\n" + row["input"]).lower()
        if key not in seen:
            seen.add(key)
            return row


def _draw_alpaca(rng):
    kind = rng.randrange(5)
    if kind == 3:
        q, a = math_problem(rng)
        return {"instruction": q, "input": "", "output": a}
    ins, inp, out = (cooking, programming, geography, None, fitness)[kind](rng)
    return {"instruction": ins, "input": inp, "output": out}


LONG_LOG_LINE = (
    "2026-11-02 14:{m:02d}:{s:02d} worker-{w} INFO processed batch {b} "
    "in {ms} ms with {n} records and checksum {c:08x}\n"
)


def long_input(rng) -> str:
    """About 20,000 characters of log lines: several thousand tokens."""
    lines = [
        LONG_LOG_LINE.format(
            m=i % 60,
            s=(i * 7) % 60,
            w=i % 8,
            b=i,
            ms=rng.randint(5, 900),
            n=rng.randint(10, 5000),
            c=rng.getrandbits(32),
        )
        for i in range(230)
    ]
    return "".join(lines)


def plant_sft(rng, rows, benchmark):
    """Plant defects into the train rows in place; return the manifest entries."""
    defects, exact, near, contamination = [], [], [], []
    used: set[int] = set()

    def pick() -> int:
        while True:
            i = rng.randrange(len(rows))
            if i not in used:
                used.add(i)
                return i

    def mark(i, *codes):
        for code in codes:
            defects.append({"split": "train", "row": i, "code": code})

    plants = {
        "refusal": [
            "I'm sorry, but I can't help with that request.",
            "I cannot assist with that. It goes against my guidelines.",
            "Sorry, I am unable to provide that information.",
        ],
        "ai_boilerplate": [
            "As an AI language model, I do not have personal opinions, but "
            "here is a general overview of the topic you asked about.",
            "As an AI assistant, I don't have access to real-time data, so I "
            "cannot tell you what the weather is like right now.",
        ],
        "empty_response": ["", "   "],
        "template_leak": [
            "The capital is Paris.\n\n### Response:\nThe capital is Paris.",
            "Here is the answer.<|im_end|>\n<|im_start|>assistant\nHere it is.",
            "Sure, that works. [INST] Tell me more [/INST] More details follow.",
        ],
        "pii_email": ["You can reach the organiser at maria.lopez@example-mail.com for tickets."],
        "pii_phone": ["Call our support line at (415) 867-2132 between nine and five."],
        "pii_credit_card": ["Use the card 4111 1111 1111 1111 with expiry 09/28 to pay."],
        "pii_ip": ["The database server listens on 192.168.14.27 port 5432 for clients."],
        "pii_secret": ["Set OPENAI_API_KEY=sk-proj-4f9Qx2LmN8vR7tY1uW3zA5bC6dE0gH2jK in .env."],
    }
    for code, outputs in plants.items():
        for text in outputs:
            i = pick()
            rows[i]["output"] = text
            mark(i, code)

    for _ in range(3):  # exact duplicates: a row copied verbatim
        i, j = pick(), pick()
        rows[j] = dict(rows[i])
        exact.append([{"split": "train", "row": i}, {"split": "train", "row": j}])
    for _ in range(3):  # near duplicates: a long row copied with one word changed at the end
        i, j = pick(), pick()
        q, a = math_problem(rng)
        story = (
            " Explain each step of the arithmetic clearly, show the intermediate totals, "
            "and finish with a one sentence summary that a young student could follow "
            "without any help from a teacher or a parent at home."
        )
        rows[i] = {"instruction": q + story, "input": "", "output": a}
        rows[j] = {
            "instruction": q + story.replace("at home", "at school"),
            "input": "",
            "output": a,
        }
        near.append([{"split": "train", "row": i}, {"split": "train", "row": j}])
    for _ in range(3):  # far longer than 2048 tokens: the answer is cut away by truncation
        i = pick()
        rows[i] = {
            "instruction": "Summarize the following server log in one sentence.",
            "input": long_input(rng),
            "output": "The workers processed every batch without errors.",
        }
        mark(i, "too_long", "no_trained_tokens")
    for k in range(0, len(benchmark), 8):  # benchmark items copied into the training set
        i = pick()
        rows[i] = {
            "instruction": benchmark[k]["question"],
            "input": "",
            "output": benchmark[k]["answer"],
        }
        contamination.append({"split": "train", "row": i, "item": k})
    return defects, exact, near, contamination, used


def make_sft(rng, benchmark):
    seen: set[str] = set()
    train = [base_alpaca(rng, seen) for _ in range(470)]
    validation = [base_alpaca(rng, seen) for _ in range(30)]
    defects, exact, near, contamination, used = plant_sft(rng, train, benchmark)
    leak = next(i for i in range(len(train)) if i not in used)
    validation[5] = dict(train[leak])  # the same row in train and validation
    manifest = {
        "path": "sft",
        "format": "alpaca",
        "defects": defects,
        "duplicates": {"exact": exact, "near": near},
        "contamination": contamination,
        "against": "benchmark/test.jsonl",
        "leakage": [[{"split": "train", "row": leak}, {"split": "validation", "row": 5}]],
    }
    return {"train": train, "validation": validation}, manifest


def make_benchmark(rng):
    items = []
    for _ in range(40):
        q, a = benchmark_problem(rng)
        items.append({"question": q, "answer": a})
    return items


SYSTEMS = [
    "You are a patient cooking teacher.",
    "You are a concise programming assistant.",
    "You are a friendly travel guide who loves geography.",
]


def chat_row(rng):
    turns = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    for _ in range(rng.randint(1, 3)):
        ins, inp, out = rng.choice((cooking, programming, geography, fitness))(rng)
        turns.append({"role": "user", "content": f"{ins} {inp}".strip()})
        turns.append({"role": "assistant", "content": out})
    return {"messages": turns}


def make_chat(rng):
    rows = [chat_row(rng) for _ in range(120)]
    defects = []
    rows[7]["messages"] = [m for m in rows[7]["messages"] if m["role"] != "user"]
    defects.append({"split": "train", "row": 7, "code": "no_user_turn"})
    rows[19]["messages"].append({"role": "user", "content": "And what about dessert?"})
    defects.append({"split": "train", "row": 19, "code": "ends_on_user"})
    msgs = rows[33]["messages"]
    msgs.insert(2, {"role": "user", "content": "Also, please keep it short."})
    defects.append({"split": "train", "row": 33, "code": "same_role_twice"})
    rows[41]["messages"][-1]["content"] = ""
    defects.append({"split": "train", "row": 41, "code": "empty_response"})
    return rows, {"path": "chat", "format": "messages", "defects": defects}


def make_preference(rng):
    rows, defects = [], []
    for _ in range(100):
        ins, inp, out = rng.choice((cooking, programming, geography, fitness))(rng)
        rejected = out.split(". ")[0] + "."
        rows.append({"prompt": f"{ins} {inp}".strip(), "chosen": out, "rejected": rejected})
    for i in (4, 27, 63):
        rows[i]["rejected"] = rows[i]["chosen"]
        defects.append({"split": "train", "row": i, "code": "chosen_equals_rejected"})
    rows[88]["rejected"] = "  " + rows[88]["chosen"].replace(". ", ".  ") + "\n"
    defects.append({"split": "train", "row": 88, "code": "chosen_equals_rejected_whitespace"})
    return rows, {"path": "preference", "format": "preference", "defects": defects}


def write_jsonl(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    rng = random.Random(SEED)
    benchmark = make_benchmark(rng)
    sft, sft_manifest = make_sft(rng, benchmark)
    chat, chat_manifest = make_chat(rng)
    prefs, pref_manifest = make_preference(rng)
    write_jsonl(HERE / "benchmark" / "test.jsonl", benchmark)
    for split, rows in sft.items():
        write_jsonl(HERE / "sft" / f"{split}.jsonl", rows)
    write_jsonl(HERE / "chat" / "train.jsonl", chat)
    write_jsonl(HERE / "preference" / "train.jsonl", prefs)
    manifest = {
        "seed": SEED,
        "datasets": {"sft": sft_manifest, "chat": chat_manifest, "preference": pref_manifest},
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
