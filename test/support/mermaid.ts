import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/setup installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** The ```mermaid blocks of a Markdown text, in order. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((match) => match[1] as string);
}

export interface Drawn {
  ok: boolean;
  /** Mermaid's own message when the block cannot be drawn, as GitHub would show it. */
  error?: string;
}

/**
 * The `mermaid` npm package in headless Chromium: parses and draws one block at a time, as GitHub's renderer does,
 * and can keep each drawing as a PNG for a person to look at.
 */
export class MermaidBrowser {
  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly profile: string,
  ) {}

  static async open(): Promise<MermaidBrowser> {
    const profile = await mkdtemp(join(tmpdir(), 'mermaid-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    // Nothing leaves the machine: the page is local and every request is refused.
    await context.route('**/*', (route) => route.abort());
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setContent('<!doctype html><html><body style="background:#fff"><div id="chart"></div></body></html>');
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js') });
    await page.evaluate(() => {
      (globalThis as unknown as { mermaid: { initialize(config: object): void } }).mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
      });
    });
    return new MermaidBrowser(context, page, profile);
  }

  /** Draws `block`; with `png`, keeps the drawing there. */
  async draw(block: string, png?: string): Promise<Drawn> {
    const drawn = await this.page.evaluate(async (text) => {
      const mermaid = (
        globalThis as unknown as {
          mermaid: {
            parse(text: string): Promise<unknown>;
            render(id: string, text: string): Promise<{ svg: string }>;
          };
        }
      ).mermaid;
      interface Element {
        innerHTML: string;
        querySelector(selector: string): { getAttribute(name: string): string | null } | null;
      }
      const page = globalThis as unknown as { document: { getElementById(id: string): Element } };
      const chart = page.document.getElementById('chart');
      chart.innerHTML = '';
      try {
        await mermaid.parse(text);
        const { svg } = await mermaid.render(`chart${Date.now()}`, text);
        chart.innerHTML = svg;
        const drawnSvg = chart.querySelector('svg');
        if (!drawnSvg || drawnSvg.getAttribute('aria-roledescription') === 'error')
          return { ok: false, error: 'drew an error diagram' };
        return { ok: true };
      } catch (error) {
        return { ok: false, error: String((error as Error).message ?? error) };
      }
    }, block);
    if (drawn.ok && png) await this.page.locator('#chart svg').screenshot({ path: png });
    return drawn;
  }

  async close(): Promise<void> {
    await this.context.close();
    await rm(this.profile, { recursive: true, force: true });
  }
}

/** Where a test keeps what a person may want to look at: `<repo>/.mlops/test-output/<name>`. */
export async function testOutputDir(root: string, name: string): Promise<string> {
  const dir = join(root, '.mlops', 'test-output', name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}
