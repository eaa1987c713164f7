// The console's style sheet, imported as text (`with { type: "text" }`) so `bun build --compile`
// embeds it. (The page script is imported through assets/console-app.ts.txt, a symlink to the
// TypeScript source: tsc sees a *.txt module, a string, and does not type-check the browser
// script as part of the server; that script has its own tsconfig with the DOM types.)
declare module "*.css" {
  const text: string;
  export default text;
}
