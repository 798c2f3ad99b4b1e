// Headless Chromium (Debian's `chromium`, driven by playwright-core) as the dashboard test and the
// screenshot script launch it: no sandbox (CI runs as root), nothing that reaches the network.
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
