import { Widget } from '@lumino/widgets';

import { requestAPI } from './api';

interface IHealth {
  status: string;
  name: string;
  version: string;
}

/** The "Vibe" sidebar panel. */
export class VibeSidebar extends Widget {
  constructor() {
    super();
    this.id = 'vibing2-lab-sidebar';
    this.addClass('jp-VibeSidebar');
    this.title.label = 'Vibe';
    this.title.caption = 'Vibe: chat with specialist agents';
    this._status = document.createElement('div');
    this._status.className = 'jp-VibeSidebar-server';
    this._status.setAttribute('data-vibe-server', 'pending');
    this._status.textContent = 'Connecting to the vibing2-lab server extension…';
    this.node.appendChild(this._status);
    void this.refreshHealth();
  }

  /** Ask the server extension for its version (proves the round trip). */
  async refreshHealth(): Promise<void> {
    try {
      const health = await requestAPI<IHealth>('health');
      this._status.textContent = `vibing2-lab server ${health.version}`;
      this._status.setAttribute('data-vibe-server', 'ok');
    } catch (error) {
      this._status.textContent = `vibing2-lab server extension unavailable: ${error}`;
      this._status.setAttribute('data-vibe-server', 'error');
    }
  }

  private _status: HTMLDivElement;
}
