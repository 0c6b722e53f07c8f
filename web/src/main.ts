import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { serviceWorker } from './lib/pwa/service-worker.svelte';
import { storeLeftEdits } from './lib/state/page-journal';

storeLeftEdits();
mount(App, { target: document.getElementById('app') ?? document.body });
serviceWorker.register();
