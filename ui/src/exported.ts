import { showDialog, showToast } from 'vant'
import type { ExportResult } from './ipc'

type T = (key: string, values?: Record<string, unknown>) => string

/**
 * Tells where an export went and what it holds: the rows, the voided passages left out (said,
 * not silently dropped), the file's name and its folder. The dialog stays until 好 is tapped;
 * 复制位置 puts the folder on the clipboard for the file manager.
 */
export async function showExported(t: T, r: ExportResult): Promise<void> {
  const lines = [
    t('export.rows', { rows: r.rows }),
    r.voided_left_out > 0 ? t('export.voided', { n: r.voided_left_out }) : null,
    t('export.file', { name: r.file_name }),
    t('export.folder', { folder: r.folder }),
  ].filter(Boolean)
  try {
    await showDialog({
      title: t('export.title'),
      message: lines.join('\n'),
      messageAlign: 'left',
      confirmButtonText: t('export.ok'),
      showCancelButton: true,
      cancelButtonText: t('export.copy'),
      className: 'export-dialog',
    })
  } catch {
    // 复制位置
    try {
      await navigator.clipboard.writeText(r.folder)
      showToast({ message: t('export.copied'), className: 'gate-toast' })
    } catch {
      showToast({ message: r.folder, className: 'gate-toast', duration: 8000 })
    }
  }
}
