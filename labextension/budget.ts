import { requestAPI } from './api';

interface ILimit {
  limit: number | null;
  spent: number | null;
  left: number | null;
}

interface IBudgetReport {
  limits: Record<string, ILimit>;
  projects: { project: string; spent: number; limit: number | null; left: number | null }[];
}

const LABELS: Record<string, string> = { daily_usd: 'today', monthly_usd: 'this month' };

/** A small gauge of spend against the configured budgets (`GET budget`); hidden when none is set. */
export class BudgetGauge {
  readonly node: HTMLElement;

  constructor() {
    this.node = document.createElement('div');
    this.node.className = 'jp-VibeSidebar-budget';
    this.node.setAttribute('aria-label', 'Budget');
    this.node.hidden = true;
  }

  /** Fetch the report and show the tightest limit; `project` adds that project's own budget. */
  async refresh(project: string | null = null): Promise<void> {
    let report: IBudgetReport;
    try {
      report = await requestAPI<IBudgetReport>('budget');
    } catch {
      this.node.hidden = true; // an older server or no store: no gauge rather than an error
      return;
    }
    const rows: [string, number, number][] = [];
    for (const [name, row] of Object.entries(report.limits)) {
      if (row.limit !== null && row.spent !== null && LABELS[name]) {
        rows.push([LABELS[name], row.spent, row.limit]);
      }
    }
    const own = report.projects.find(p => p.project === project);
    if (own && own.limit !== null) {
      rows.push([`project ${own.project}`, own.spent, own.limit]);
    }
    this.node.replaceChildren(...rows.map(([label, spent, limit]) => gauge(label, spent, limit)));
    this.node.hidden = rows.length === 0;
  }
}

function gauge(label: string, spent: number, limit: number): HTMLElement {
  const line = document.createElement('div');
  line.className = 'jp-VibeSidebar-budgetLine';
  const meter = document.createElement('meter');
  meter.min = 0;
  meter.max = limit;
  meter.value = Math.min(spent, limit);
  meter.high = limit * 0.8;
  meter.optimum = 0;
  const text = document.createElement('span');
  text.textContent = `${label}: $${spent.toFixed(4)} of $${limit}`;
  line.append(meter, text);
  line.title = `Spent $${spent.toFixed(6)} of the $${limit} budget (${label}); vibing2-lab budget has the details.`;
  return line;
}
