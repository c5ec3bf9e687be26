/** Shown while a screen waits for its first data. */
export function Spinner(props: { fullScreen?: boolean }) {
  return (
    <div class={props.fullScreen ? "center-screen" : "center-block"} aria-busy="true">
      <div class="spinner" />
    </div>
  );
}
