/** Server-side TanStack table: the page, sort and selection live in the parent (and in the URL). */
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type OnChangeFn,
  type PaginationState,
  type RowSelectionState,
  type SortingState,
} from '@tanstack/react-table'
import { ArrowDown, ArrowUp, ArrowUpDown, ChevronLeft, ChevronRight } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { Button } from '@/components/ui/button'
import { Checkbox } from '@/components/ui/checkbox'
import { Select } from '@/components/ui/select'
import { Skeleton } from '@/components/ui/skeleton'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import { cn } from '@/lib/utils'
import { EmptyState } from './empty'

export interface DataTableProps<T> {
  columns: ColumnDef<T, any>[] // eslint-disable-line @typescript-eslint/no-explicit-any
  data: T[]
  total: number
  loading?: boolean
  pagination: PaginationState
  onPaginationChange: (p: PaginationState) => void
  sorting?: SortingState
  onSortingChange?: OnChangeFn<SortingState>
  rowSelection?: RowSelectionState
  onRowSelectionChange?: OnChangeFn<RowSelectionState>
  getRowId?: (row: T) => string
  onRowClick?: (row: T) => void
  empty?: React.ReactNode
  pageSizes?: number[]
  label?: string
}

export function DataTable<T>({
  columns,
  data,
  total,
  loading,
  pagination,
  onPaginationChange,
  sorting,
  onSortingChange,
  rowSelection,
  onRowSelectionChange,
  getRowId,
  onRowClick,
  empty,
  pageSizes = [10, 20, 50, 100],
  label,
}: DataTableProps<T>) {
  const { t } = useTranslation()
  const selectable = !!onRowSelectionChange
  const allColumns: ColumnDef<T, unknown>[] = selectable
    ? [
        {
          id: '__select',
          enableSorting: false,
          header: ({ table }) => (
            <Checkbox
              aria-label={t('Select all')}
              checked={table.getIsAllPageRowsSelected() ? true : table.getIsSomePageRowsSelected() ? 'indeterminate' : false}
              onCheckedChange={(v) => table.toggleAllPageRowsSelected(!!v)}
            />
          ),
          cell: ({ row }) => (
            <Checkbox
              aria-label={t('Select row')}
              checked={row.getIsSelected()}
              onClick={(e) => e.stopPropagation()}
              onCheckedChange={(v) => row.toggleSelected(!!v)}
            />
          ),
        },
        ...columns,
      ]
    : columns
  const pageCount = Math.max(1, Math.ceil(total / pagination.pageSize))
  const table = useReactTable({
    data,
    columns: allColumns,
    getCoreRowModel: getCoreRowModel(),
    manualPagination: true,
    manualSorting: true,
    pageCount,
    state: { pagination, sorting: sorting ?? [], rowSelection: rowSelection ?? {} },
    onPaginationChange: (updater) => onPaginationChange(typeof updater === 'function' ? updater(pagination) : updater),
    onSortingChange,
    enableSortingRemoval: true,
    onRowSelectionChange,
    enableRowSelection: selectable,
    getRowId: getRowId ? (row) => getRowId(row) : undefined,
  })
  const from = total === 0 ? 0 : pagination.pageIndex * pagination.pageSize + 1
  const to = Math.min(total, (pagination.pageIndex + 1) * pagination.pageSize)

  return (
    <div className="rounded-xl border bg-card">
      <Table aria-label={label} aria-busy={loading}>
        <TableHeader>
          {table.getHeaderGroups().map((group) => (
            <TableRow key={group.id} className="hover:bg-transparent">
              {group.headers.map((header) => {
                const sortable = header.column.getCanSort() && !!onSortingChange
                const dir = header.column.getIsSorted()
                return (
                  <TableHead key={header.id} aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined}>
                    {header.isPlaceholder ? null : sortable ? (
                      <button
                        className="-ml-1 inline-flex items-center gap-1 rounded px-1 hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                        onClick={header.column.getToggleSortingHandler()}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        {dir === 'asc' ? <ArrowUp className="size-3" /> : dir === 'desc' ? <ArrowDown className="size-3" /> : <ArrowUpDown className="size-3 opacity-40" />}
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </TableHead>
                )
              })}
            </TableRow>
          ))}
        </TableHeader>
        <TableBody>
          {loading && data.length === 0 ? (
            Array.from({ length: Math.min(pagination.pageSize, 6) }).map((_, i) => (
              <TableRow key={i}>
                {allColumns.map((_c, j) => (
                  <TableCell key={j}>
                    <Skeleton className="h-4 w-full max-w-32" />
                  </TableCell>
                ))}
              </TableRow>
            ))
          ) : table.getRowModel().rows.length === 0 ? (
            <TableRow className="hover:bg-transparent">
              <TableCell colSpan={allColumns.length}>{empty ?? <EmptyState />}</TableCell>
            </TableRow>
          ) : (
            table.getRowModel().rows.map((row) => (
              <TableRow
                key={row.id}
                data-state={row.getIsSelected() ? 'selected' : undefined}
                className={cn(onRowClick && 'cursor-pointer', loading && 'opacity-60')}
                onClick={onRowClick ? () => onRowClick(row.original) : undefined}
              >
                {row.getVisibleCells().map((cell) => (
                  <TableCell key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</TableCell>
                ))}
              </TableRow>
            ))
          )}
        </TableBody>
      </Table>
      <div className="flex flex-wrap items-center justify-between gap-2 border-t px-3 py-2 text-sm text-muted-foreground">
        <span data-testid="table-total">{t('{{from}}–{{to}} of {{total}}', { from: from.toLocaleString(), to: to.toLocaleString(), total: total.toLocaleString() })}</span>
        <div className="flex items-center gap-2">
          <div className="w-28">
            <Select
              ariaLabel={t('Rows per page')}
              value={String(pagination.pageSize)}
              onValueChange={(v) => onPaginationChange({ pageIndex: 0, pageSize: Number(v) })}
              options={pageSizes.map((s) => ({ value: String(s), label: t('{{n}} / page', { n: s }) }))}
            />
          </div>
          <Button variant="outline" size="icon-sm" aria-label={t('Previous page')} disabled={pagination.pageIndex === 0} onClick={() => onPaginationChange({ ...pagination, pageIndex: pagination.pageIndex - 1 })}>
            <ChevronLeft />
          </Button>
          <span className="tabular-nums">
            {pagination.pageIndex + 1} / {pageCount}
          </span>
          <Button variant="outline" size="icon-sm" aria-label={t('Next page')} disabled={pagination.pageIndex + 1 >= pageCount} onClick={() => onPaginationChange({ ...pagination, pageIndex: pagination.pageIndex + 1 })}>
            <ChevronRight />
          </Button>
        </div>
      </div>
    </div>
  )
}
