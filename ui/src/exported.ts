import { showDialog, showToast } from 'vant'
import { exportReveal, type ExportResult } from './ipc'

type T = (key: string, values?: Record<string, unknown>) => string

/**
 * Tells where an export went and what it holds: the rows, the voided passages left out (said,
 * not silently dropped), the file's name and its folder. The dialog stays until 好 is tapped;
 * 打开所在文件夹 shows the file in the system's file manager. Where none answers (a kiosk
 * session, a tablet), the folder goes on the clipboard and is said, so it is never a dead end.
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
      cancelButtonText: t('export.reveal'),
      className: 'export-dialog',
    })
  } catch {
    // 打开所在文件夹
    try {
      await exportReveal(r.file_name)
    } catch {
      try {
        await navigator.clipboard.writeText(r.folder)
        showToast({ message: t('export.copied', { folder: r.folder }), className: 'gate-toast', duration: 8000 })
      } catch {
        showToast({ message: t('export.shown', { folder: r.folder }), className: 'gate-toast', duration: 8000 })
      }
    }
  }
}
