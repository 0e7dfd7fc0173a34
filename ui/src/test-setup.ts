// Vitest setup for every spec file. Vant measures fixed bars again 100, 200 and 300 ms after
// they mount (`useHeight` with a safe area); a spec file that ends sooner would leave those
// timers to fire after jsdom is gone ("window is not defined"). Let them run out first.
import { afterAll } from 'vitest'

afterAll(() => new Promise<void>((resolve) => setTimeout(resolve, 350)))
