/** One table for every resource list. */
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
}

interface TableProps<T> {
  label: string;
  rows: T[];
  columns: Array<Column<T>>;
  rowKey: (row: T) => string;
  selected?: string | null;
  onSelect?: (key: string) => void;
  empty: string;
}

export function Table<T>({ label, rows, columns, rowKey, selected, onSelect, empty }: TableProps<T>) {
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table aria-label={label}>
      <thead>
        <tr>{columns.map((c) => <th key={c.title}>{c.title}</th>)}</tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const key = rowKey(r);
          return (
            <tr key={key} class={key === selected ? 'selected' : onSelect ? 'pick' : ''} onClick={onSelect && (() => onSelect(key))}>
              {columns.map((c) => <td key={c.title}>{c.cell(r)}</td>)}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A row's action: does not also select the row. */
export function Action({ label, onClick, disabled }: { label: string; onClick: () => void; disabled?: boolean }) {
  return (
    <button
      type="button"
      class="btn"
      disabled={disabled}
      onClick={(e) => {
        e.stopPropagation();
        onClick();
      }}
    >
      {label}
    </button>
  );
}
