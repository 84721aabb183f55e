export function VerdictBadge(props: { state: string | undefined }) {
  const state = props.state ?? 'not watched';
  return <span class={`badge ${state.replace(' ', '-')}`}>{state}</span>;
}
