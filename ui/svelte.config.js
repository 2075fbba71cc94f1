// Svelte 5 reads TypeScript in <script lang="ts"> natively; vitePreprocess handles the rest.
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

export default { preprocess: vitePreprocess() };
