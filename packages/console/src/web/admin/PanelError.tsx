/** How an admin panel shows the last failure from `useLoad` or one of its actions. */
export function PanelError({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {error}
    </p>
  );
}
