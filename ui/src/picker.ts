// What an entry is for (issue 16): a project / task picker (type to search, recent first,
// grouped by client, colour dots, "No project"), a tag picker (several, created where the
// workspace allows) and a billable toggle. Keyboard first: each menu opens on Enter or
// ArrowDown, filters as one types, moves with the arrow keys, picks with Enter and closes
// with Escape; Alt+P, Alt+T and Alt+B reach the timer's picker from anywhere (main.ts).
// The names come from the catalog the agent keeps; nothing here is sent anywhere but
// through the `onChange` the owner gives.

import type {
  Catalog_Serialize as Catalog,
  CatalogProject_Serialize as Project,
  Work_Serialize as Work,
} from "./bindings";

export const NO_WORK: Work = { projectId: null, taskId: null, tagIds: [], billable: false };

let catalog: Catalog = { projects: [], tags: [], recent: [], canCreateTags: false };
const pickers = new Set<WorkPicker>();

/** Replaces the catalog every picker (and every label) names things from. */
export function setCatalog(next: Catalog): void {
  catalog = next;
  for (const picker of pickers) if (picker.element.isConnected) picker.render();
  for (const picker of [...pickers]) if (!picker.element.isConnected) pickers.delete(picker);
}

export function projectOf(id: string | null): Project | undefined {
  return id === null ? undefined : catalog.projects.find((p) => p.id === id);
}

/** "Project: Task", or "Project", or null without a project; an unknown id (a project
 *  the device has not read yet, or gone) is said as such rather than hidden. */
export function projectLabel(work: Work): string | null {
  if (work.projectId === null) return null;
  const project = projectOf(work.projectId);
  if (!project) return "(unknown project)";
  const task = work.taskId === null ? undefined : project.tasks.find((t) => t.id === work.taskId);
  return task ? `${project.name}: ${task.name}` : project.name;
}

export function tagNames(ids: string[]): string[] {
  return ids.map((id) => catalog.tags.find((t) => t.id === id)?.name ?? "(unknown tag)");
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** A project's colour dot; the colour is the server's (checked there as #rrggbb). */
export function dot(color: string | undefined): HTMLSpanElement {
  const span = el("span", { className: "dot" });
  span.setAttribute("aria-hidden", "true");
  if (color) span.style.backgroundColor = color;
  return span;
}

/** The project, tags and billable of an entry, for its row in the list. */
export function workSummary(work: Work): HTMLElement {
  const parts: Node[] = [];
  const label = projectLabel(work);
  if (label !== null) {
    const project = projectOf(work.projectId);
    parts.push(el("span", { className: "project-name" }, dot(project?.color), label));
  }
  for (const name of tagNames(work.tagIds)) parts.push(el("span", { className: "tag", textContent: name }));
  if (work.billable) parts.push(el("span", { className: "billable-mark", textContent: "$", title: "Billable" }));
  return el("span", { className: "work" }, ...parts);
}

type Option = { id: string; label: string; group: string; color?: string; indent?: boolean; pick: () => void };

let menuCount = 0;

/** A button that opens a searchable list box; `options(text)` gives what matches. */
class Menu {
  readonly button: HTMLButtonElement;
  readonly element: HTMLDivElement;
  private readonly box: HTMLDivElement;
  private readonly search: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private shown: Option[] = [];
  private active = 0;

  constructor(
    className: string,
    placeholder: string,
    private readonly options: (text: string) => Option[],
    private readonly keepOpen: boolean,
  ) {
    const id = `menu-${++menuCount}`;
    this.button = el("button", { type: "button", className: `${className}-button picker-button` });
    this.button.setAttribute("aria-haspopup", "listbox");
    this.button.setAttribute("aria-expanded", "false");
    this.search = el("input", { type: "text", className: "menu-search", placeholder, autocomplete: "off" });
    this.search.setAttribute("role", "combobox");
    this.search.setAttribute("aria-controls", id);
    this.search.setAttribute("aria-expanded", "true");
    this.list = el("ul", { id, className: "menu-options" });
    this.list.setAttribute("role", "listbox");
    this.box = el("div", { className: `menu ${className}-menu`, hidden: true }, this.search, this.list);
    this.element = el("div", { className: "pick" }, this.button, this.box);
    this.button.addEventListener("click", () => (this.box.hidden ? this.open() : this.close()));
    this.button.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown" && this.box.hidden) {
        ev.preventDefault();
        this.open();
      }
    });
    this.search.addEventListener("input", () => {
      this.active = 0;
      this.fill();
    });
    this.search.addEventListener("keydown", (ev) => this.key(ev));
    this.element.addEventListener("focusout", (ev) => {
      if (!this.element.contains(ev.relatedTarget as Node | null)) this.close(false);
    });
  }

  get isOpen(): boolean {
    return !this.box.hidden;
  }

  open(): void {
    this.box.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.search.value = "";
    this.active = 0;
    this.fill();
    this.search.focus();
  }

  close(refocus = true): void {
    if (this.box.hidden) return;
    this.box.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (refocus) this.button.focus();
  }

  /** Lists the options again (after a pick that keeps the menu open). */
  fill(): void {
    this.shown = this.options(this.search.value.trim().toLowerCase());
    this.active = Math.min(this.active, Math.max(0, this.shown.length - 1));
    const items: HTMLElement[] = [];
    let group: string | null = null;
    this.shown.forEach((option, i) => {
      if (option.group !== group) {
        group = option.group;
        if (group) items.push(el("li", { className: "menu-group", textContent: group }));
      }
      const item = el("li", { id: `${this.list.id}-${i}`, className: option.indent ? "menu-option task" : "menu-option" });
      item.setAttribute("role", "option");
      item.dataset.id = option.id;
      item.setAttribute("aria-selected", String(i === this.active));
      if (!option.indent && option.color !== undefined) item.append(dot(option.color));
      item.append(option.label);
      item.addEventListener("mousedown", (ev) => ev.preventDefault());
      item.addEventListener("click", () => this.choose(i));
      items.push(item);
    });
    if (this.shown.length === 0) items.push(el("li", { className: "menu-empty", textContent: "Nothing matches." }));
    this.list.replaceChildren(...items);
    if (this.shown.length > 0) {
      this.search.setAttribute("aria-activedescendant", `${this.list.id}-${this.active}`);
      document.getElementById(`${this.list.id}-${this.active}`)?.scrollIntoView({ block: "nearest" });
    } else {
      this.search.removeAttribute("aria-activedescendant");
    }
  }

  private choose(i: number): void {
    const option = this.shown[i];
    if (!option) return;
    option.pick();
    if (this.keepOpen) {
      this.active = i;
      this.fill();
      this.search.focus();
    } else {
      this.close();
    }
  }

  private key(ev: KeyboardEvent): void {
    const move = (by: number) => {
      ev.preventDefault();
      if (this.shown.length === 0) return;
      this.active = (this.active + by + this.shown.length) % this.shown.length;
      this.fill();
    };
    if (ev.key === "ArrowDown") move(1);
    else if (ev.key === "ArrowUp") move(-1);
    else if (ev.key === "Enter") {
      ev.preventDefault();
      ev.stopPropagation();
      this.choose(this.active);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      this.close();
    }
  }
}

function matches(text: string, ...names: (string | null | undefined)[]): boolean {
  return text === "" || names.some((n) => n?.toLowerCase().includes(text));
}

/** The project / task, tags and billable of one entry (or of the next timer). */
export class WorkPicker {
  readonly element: HTMLDivElement;
  private work: Work = { ...NO_WORK };
  private readonly project: Menu;
  private readonly tags: Menu;
  private readonly billable: HTMLButtonElement;

  /** `onChange` gets each change the user makes (not those made by `set`). */
  constructor(private readonly onChange: (work: Work) => void) {
    this.project = new Menu("project", "Find a project or task", (text) => this.projectOptions(text), false);
    this.tags = new Menu("tags", "Find or create a tag", (text) => this.tagOptions(text), true);
    this.billable = el("button", { type: "button", className: "billable", textContent: "$", title: "Billable" });
    this.billable.setAttribute("aria-label", "Billable");
    this.billable.addEventListener("click", () => this.toggleBillable());
    this.element = el("div", { className: "work-picker" }, this.project.element, this.tags.element, this.billable);
    pickers.add(this);
    this.render();
  }

  get(): Work {
    return { ...this.work, tagIds: [...this.work.tagIds] };
  }

  /** Shows `work` (the running entry's, say) without telling `onChange`. */
  set(work: Work): void {
    if (this.project.isOpen || this.tags.isOpen) return;
    this.work = { ...work, tagIds: [...work.tagIds] };
    this.render();
  }

  openProject(): void {
    this.project.open();
  }

  openTags(): void {
    this.tags.open();
  }

  toggleBillable(): void {
    this.change({ ...this.work, billable: !this.work.billable });
  }

  render(): void {
    const label = projectLabel(this.work);
    const project = projectOf(this.work.projectId);
    this.project.button.replaceChildren(...(label === null ? ["No project"] : [dot(project?.color), label]));
    this.project.button.classList.toggle("empty", label === null);
    this.project.button.title = "Project and task (Alt+P)";
    const names = tagNames(this.work.tagIds);
    this.tags.button.textContent = names.length === 0 ? "Tags" : names.join(", ");
    this.tags.button.classList.toggle("empty", names.length === 0);
    this.tags.button.title = "Tags (Alt+T)";
    this.billable.setAttribute("aria-pressed", String(this.work.billable));
    this.billable.title = this.work.billable ? "Billable (Alt+B)" : "Not billable (Alt+B)";
  }

  private change(work: Work): void {
    this.work = work;
    this.render();
    this.onChange(this.get());
  }

  private pickProject(project: Project | null, taskId: string | null): void {
    // A project brings its billable default, as in Clockify; the user may change it after.
    const billable = project ? project.billable : this.work.billable;
    this.change({ ...this.work, projectId: project?.id ?? null, taskId, billable });
  }

  private projectOptions(text: string): Option[] {
    const open = catalog.projects.filter((p) => !p.archived);
    const out: Option[] = [];
    if (matches(text, "no project")) {
      out.push({ id: "none", label: "No project", group: "", pick: () => this.pickProject(null, null) });
    }
    if (text === "") {
      for (const recent of catalog.recent) {
        const project = open.find((p) => p.id === recent.projectId);
        const task = project?.tasks.find((t) => t.id === recent.taskId && !t.done);
        if (!project || (recent.taskId !== null && !task)) continue;
        out.push({
          id: `recent:${project.id}:${task?.id ?? ""}`,
          label: task ? `${project.name}: ${task.name}` : project.name,
          group: "Recent",
          color: project.color,
          pick: () => this.pickProject(project, task?.id ?? null),
        });
      }
    }
    for (const project of open) {
      const group = project.clientName ?? "No client";
      const tasks = project.tasks.filter((t) => !t.done);
      const projectMatches = matches(text, project.name, project.clientName);
      const taskHits = tasks.filter((t) => projectMatches || matches(text, t.name));
      if (!projectMatches && taskHits.length === 0) continue;
      out.push({ id: `${project.id}:`, label: project.name, group, color: project.color, pick: () => this.pickProject(project, null) });
      for (const task of taskHits) {
        out.push({
          id: `${project.id}:${task.id}`,
          label: task.name,
          group,
          indent: true,
          pick: () => this.pickProject(project, task.id),
        });
      }
    }
    return out;
  }

  private tagOptions(text: string): Option[] {
    const chosen = new Set(this.work.tagIds);
    const out: Option[] = catalog.tags
      .filter((t) => (!t.archived || chosen.has(t.id)) && matches(text, t.name))
      .map((t) => ({
        id: t.id,
        label: `${chosen.has(t.id) ? "✓" : "  "} ${t.name}`,
        group: "",
        pick: () => {
          const tagIds = chosen.has(t.id) ? this.work.tagIds.filter((id) => id !== t.id) : [...this.work.tagIds, t.id];
          this.change({ ...this.work, tagIds });
        },
      }));
    const exact = catalog.tags.some((t) => t.name.toLowerCase() === text);
    if (text !== "" && !exact && catalog.canCreateTags) {
      const name = this.tagsSearchText();
      out.push({ id: "create", label: `Create tag “${name}”`, group: "", pick: () => void this.createTag(name) });
    }
    return out;
  }

  private tagsSearchText(): string {
    return (this.tags.element.querySelector(".menu-search") as HTMLInputElement).value.trim();
  }

  /** Made by the owner (main.ts) so the agent's answer updates the catalog first. */
  static createTag: (name: string) => Promise<Catalog | null> = async () => null;

  private async createTag(name: string): Promise<void> {
    const next = await WorkPicker.createTag(name);
    if (!next) return;
    setCatalog(next);
    const tag = next.tags.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (tag && !this.work.tagIds.includes(tag.id)) this.change({ ...this.work, tagIds: [...this.work.tagIds, tag.id] });
    this.tags.fill();
  }
}
