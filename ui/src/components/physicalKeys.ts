import { onMounted, onUnmounted, type Ref } from 'vue'

export interface PhysicalKeysOptions {
  /** Single characters that are typed into the value. */
  allowed: RegExp
  /** Longest value. */
  max: number
  /** Enter. */
  onEnter?: () => void
  /** Escape. */
  onEscape?: () => void
  /** Only while this is true (default: always while mounted). */
  active?: () => boolean
}

/**
 * Lets the hardware keyboard type into a value that an on-screen keypad (Vant's NumberKeyboard)
 * also edits: digits (and the allowed characters), Backspace, Enter and Escape. Keys typed into
 * a text field are left to that field.
 */
export function usePhysicalKeys(value: Ref<string>, options: PhysicalKeysOptions): void {
  const onKey = (e: KeyboardEvent) => {
    if (options.active && !options.active()) return
    const target = e.target as HTMLElement | null
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return
    if (options.allowed.test(e.key)) {
      if (value.value.length < options.max) value.value += e.key
    } else if (e.key === 'Backspace') {
      value.value = value.value.slice(0, -1)
    } else if (e.key === 'Enter') {
      options.onEnter?.()
    } else if (e.key === 'Escape') {
      options.onEscape?.()
    } else {
      return
    }
    e.preventDefault()
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onUnmounted(() => window.removeEventListener('keydown', onKey))
}
