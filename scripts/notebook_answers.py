"""Scripted example answers for the bundled notebooks (see scripts/record_notebooks.py).

These are written by hand to read like real answers. They are served by the test
suite's fake model server while the notebooks are recorded, and the notebooks say so.
Each entry: (agent name or None, a phrase of the prompt, the answer).
"""

from __future__ import annotations

LIST_COMPREHENSION = '''A **list comprehension** builds a new list from an iterable in one expression:
`[expression for item in iterable if condition]`.

```python
squares = [n * n for n in range(10) if n % 2 == 0]
print(squares)  # [0, 4, 16, 36, 64]
```

Read it left to right as *"n squared, for each n from 0 to 9, keeping the even ones"*.
It does the same as this loop, in one line and a little faster:

```python
squares = []
for n in range(10):
    if n % 2 == 0:
        squares.append(n * n)
```

Use one when the expression is short; switch back to a loop when you need several
statements or the line stops being easy to read.'''

CHEAPEST_FRUIT = '''`min()` with a `key` does this in one pass. With your `prices` dict
(`{'apple': 1.2, 'pear': 0.8, 'fig': 2.5}`):

```python
def cheapest(prices: dict[str, float]) -> str:
    """The name of the cheapest item; ValueError if there are none."""
    if not prices:
        raise ValueError("no prices given")
    return min(prices, key=prices.get)


cheapest(prices)  # 'pear'
```

Two review notes:

- `min(prices, key=prices.get)` iterates over the **keys** and compares their values, so you get
  the name back, not the price. `min(prices.values())` would give `0.8` instead.
- Ties go to the first key in insertion order. If you need all the cheapest items, compare
  against the minimum value: `[k for k, v in prices.items() if v == min(prices.values())]`.'''

FIZZBUZZ = '''```python
def fizzbuzz(n: int) -> list[str]:
    """FizzBuzz from 1 to n: multiples of 3 -> Fizz, of 5 -> Buzz, of both -> FizzBuzz."""
    out = []
    for i in range(1, n + 1):
        word = ("Fizz" if i % 3 == 0 else "") + ("Buzz" if i % 5 == 0 else "")
        out.append(word or str(i))
    return out


print(", ".join(fizzbuzz(15)))
```

Building the word from two parts avoids a separate `% 15` branch: a multiple of both 3 and 5
collects both halves.'''

LEMONADE = '''Here is a single self-contained page: warm colours, one clear call to action, and a price
list that reads well on a phone.

```html title=index.html
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sunny Cup Lemonade</title>
  <style>
    body { margin: 0; font-family: system-ui, sans-serif; background: #fffbea; color: #3d3200; }
    header { padding: 3rem 1.5rem; text-align: center; background: #ffe066; }
    h1 { margin: 0 0 .5rem; font-size: 2.4rem; }
    main { max-width: 32rem; margin: 2rem auto; padding: 0 1.5rem; }
    ul { list-style: none; padding: 0; }
    li { display: flex; justify-content: space-between; padding: .6rem 0; border-bottom: 1px dashed #e0c200; }
    button { display: block; width: 100%; margin-top: 1.5rem; padding: .9rem; font-size: 1.1rem;
             border: 0; border-radius: .6rem; background: #3d3200; color: #ffe066; cursor: pointer; }
    #thanks { text-align: center; min-height: 1.5rem; }
  </style>
</head>
<body>
  <header>
    <h1>🍋 Sunny Cup Lemonade</h1>
    <p>Squeezed this morning, two streets from you.</p>
  </header>
  <main>
    <ul>
      <li><span>Classic lemonade</span><span>$2.00</span></li>
      <li><span>Mint &amp; lime</span><span>$2.50</span></li>
      <li><span>Strawberry fizz</span><span>$3.00</span></li>
    </ul>
    <button id="order">Reserve a cup</button>
    <p id="thanks"></p>
  </main>
  <script>
    document.getElementById("order").addEventListener("click", () => {
      document.getElementById("thanks").textContent = "Thanks! Your cup will be ready in 5 minutes.";
    });
  </script>
</body>
</html>
```

Open the **Preview** tab to try the button. Everything is inline, so the page works offline.'''

TODO_API = '''**REST API for a todo app**

| method | path | body | answer |
|---|---|---|---|
| `GET` | `/todos?done=false` | – | `200` list of todos |
| `POST` | `/todos` | `{"title": "...", "due": "2026-12-01"}` | `201` the todo, `Location` header |
| `PATCH` | `/todos/{id}` | any of `title`, `due`, `done` | `200` the todo |
| `DELETE` | `/todos/{id}` | – | `204` |

- Validate `title` (1–200 characters) and return `422` with the field name when it is wrong.
- Use `ETag`/`If-Match` on `PATCH` so two clients do not overwrite each other silently.
- Page long lists with `?cursor=` rather than offsets: stable while items are added.'''

TODO_SCHEMA = '''**Schema (PostgreSQL)**

```sql
CREATE TABLE todos (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    due         date,
    done        boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- the app's main query: a user's open todos by due date
CREATE INDEX todos_open_by_due ON todos (owner_id, due) WHERE NOT done;
```

The partial index stays small because finished todos drop out of it, and it serves the
`GET /todos?done=false` listing directly.'''

REVENUE_SQL = '''```sql
SELECT date_trunc('month', o.ordered_at)::date AS month,
       sum(oi.quantity * oi.unit_price)        AS revenue,
       count(DISTINCT o.id)                    AS orders
FROM orders o
JOIN order_items oi ON oi.order_id = o.id
WHERE o.status = 'paid'
  AND o.ordered_at >= date_trunc('month', now()) - interval '11 months'
GROUP BY 1
ORDER BY 1;
```

Revenue is summed from the line items (price at the time of sale), not from the products
table, so later price changes do not rewrite history.'''

REVENUE_REVIEW = '''The query is correct; three points before it goes to a dashboard:

1. **Months without orders disappear.** Join against
   `generate_series(date_trunc('month', now()) - interval '11 months', date_trunc('month', now()), interval '1 month')`
   so the chart shows a zero instead of skipping a month.
2. **Time zones.** `date_trunc('month', o.ordered_at)` uses the session time zone. Pin it:
   `date_trunc('month', o.ordered_at AT TIME ZONE 'Europe/Paris')`.
3. **Index.** A composite index on `orders (status, ordered_at)` lets the `WHERE` clause avoid a
   full scan once the table grows.'''

NOTEBOOK_TIP = '''Split the notebook into three parts and keep each cell doing one thing:

1. **Load**: one cell that reads the raw data and does nothing else, so re-running analysis cells
   never re-downloads anything.
2. **Clean**: a function `clean(df)` that returns a new DataFrame; test it on a few rows.
3. **Explore**: small cells, each ending with the object you want to look at.

Restart the kernel and *Run All* before sharing: it proves the cells run in order.'''

SALES_ANALYSIS = '''Looking at the summary of `df` (12 rows: `month`, `region`, `units`, `price`):

- **North outsells South every month**, by about 1.6× in units on average.
- **Units grow steadily** from January to June in both regions; no month goes backwards.
- **Price is nearly flat** (4.50 to 4.95), so revenue growth comes from volume, not pricing.

A good next step is revenue per region and month:

```python
revenue = (df.assign(revenue=df.units * df.price)
             .pivot_table(index="month", columns="region", values="revenue", aggfunc="sum"))
revenue.round(2)
```'''

SALES_CHART = '''For a month × region comparison of a growing quantity, use a **grouped bar chart** (or two lines if
you have many months). Keep the months on the x-axis in calendar order and put the regions in a
legend; start the y-axis at zero so the bars compare honestly.

If you want the numbers first, this table is the chart's data:

```python
df.pivot_table(index="month", columns="region", values="units", aggfunc="sum", sort=False)
```

Then `.plot.bar()` on that table gives the chart directly with matplotlib installed.'''

TIP_APP = '''A tip calculator in three files: the page, its style sheet and a small script.

```html title=index.html
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tip calculator</title>
  <link rel="stylesheet" href="style.css">
</head>
<body>
  <h1>Tip calculator</h1>
  <label>Bill <input id="bill" type="number" value="42" min="0"></label>
  <label>Tip <select id="tip"><option>10</option><option selected>15</option><option>20</option></select> %</label>
  <p id="total"></p>
  <script src="app.js"></script>
</body>
</html>
```

```css title=style.css
body { font-family: system-ui, sans-serif; max-width: 24rem; margin: 2rem auto; }
h1 { color: #333; }
label { display: block; margin: .6rem 0; }
#total { font-size: 1.4rem; font-weight: 600; }
```

```js title=app.js
const bill = document.getElementById("bill");
const tip = document.getElementById("tip");
function update() {
  const total = Number(bill.value) * (1 + Number(tip.value) / 100);
  document.getElementById("total").textContent = `Total: $${total.toFixed(2)}`;
}
bill.addEventListener("input", update);
tip.addEventListener("change", update);
update();
```'''

TIP_BLUE = '''One line of `style.css` changes; the page and the script stay as they are.

<FILE_EDIT path="style.css">
<<<<<<< SEARCH
h1 { color: #333; }
=======
h1 { color: #1565c0; }
>>>>>>> REPLACE
</FILE_EDIT>'''

ANSWERS: list[tuple[str | None, str, str]] = [
    ("notebook-tutor", "list comprehension", LIST_COMPREHENSION),
    ("code-reviewer", "cheapest fruit", CHEAPEST_FRUIT),
    ("fullstack-developer", "fizzbuzz", FIZZBUZZ),
    ("ui-ux-designer", "lemonade", LEMONADE),
    ("backend-api-developer", "todo app", TODO_API),
    ("database-architect", "todo app", TODO_SCHEMA),
    ("sql-expert", "monthly revenue", REVENUE_SQL),
    ("code-reviewer", "monthly revenue", REVENUE_REVIEW),
    ("notebook-tutor", "organise", NOTEBOOK_TIP),
    ("data-analyst", "sales data", SALES_ANALYSIS),
    ("visualization-expert", "chart", SALES_CHART),
    ("fullstack-developer", "tip calculator", TIP_APP),
    ("fullstack-developer", "title blue", TIP_BLUE),
]
