import type { ReactNode } from "react";

/**
 * The table every admin panel lists its items in: a caption naming it for screen readers, one
 * header per column, one row per item, and (when `empty` is given) a row spanning all columns so
 * an empty list says so instead of showing bare headers.
 */
export function AdminTable<Item>({
  caption,
  columns,
  items,
  itemKey,
  cells,
  empty,
}: {
  caption: string;
  columns: readonly string[];
  items: readonly Item[] | undefined;
  itemKey: (item: Item) => string | number;
  cells: (item: Item) => ReactNode;
  empty?: string;
}) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {items?.map((item) => (
          <tr key={itemKey(item)}>{cells(item)}</tr>
        ))}
        {empty !== undefined && items?.length === 0 && (
          <tr>
            <td colSpan={columns.length}>{empty}</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
